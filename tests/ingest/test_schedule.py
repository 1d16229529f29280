"""When to poll next: arXiv's weekday announcement rhythm, cache hints, and failure backoff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.ingest.schedule import (
    arxiv_feed_categories,
    is_arxiv_announcement_feed,
    latest_announcement_day,
    next_poll_after_failure,
    next_poll_after_success,
    submission_window,
)

FEED = "https://rss.arxiv.org/rss/cs.AI"


def test_announcement_feed_detection_and_categories():
    assert is_arxiv_announcement_feed(FEED)
    assert is_arxiv_announcement_feed("http://export.arxiv.org/rss/math")
    assert not is_arxiv_announcement_feed("https://export.arxiv.org/api/query?search_query=x")
    assert not is_arxiv_announcement_feed("https://www.nature.com/nature.rss")
    assert arxiv_feed_categories("https://rss.arxiv.org/atom/cs.AI+stat.ML") == ["cs.AI", "stat.ML"]


def test_arxiv_feed_polled_after_midnight_eastern_on_weekdays():
    # Thursday 28 Nov 2024, 15:00 UTC = 10:00 EST: next is Friday 00:20 EST = 05:20 UTC.
    thursday = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
    assert next_poll_after_success(url=FEED, interval_minutes=60, now=thursday) == datetime(
        2024, 11, 29, 5, 20, tzinfo=UTC
    )
    # Friday 12:00 UTC: nothing until Monday 00:20 EST (the weekend has no announcements).
    friday = datetime(2024, 11, 29, 12, 0, tzinfo=UTC)
    assert next_poll_after_success(url=FEED, interval_minutes=60, now=friday) == datetime(
        2024, 12, 2, 5, 20, tzinfo=UTC
    )
    # Right after midnight: the 02:00 and 06:00 polls catch a late build (EDT in summer).
    early = datetime(2025, 8, 20, 4, 30, tzinfo=UTC)  # 00:30 EDT
    assert next_poll_after_success(url=FEED, interval_minutes=60, now=early) == datetime(
        2025, 8, 20, 6, 0, tzinfo=UTC
    )


def test_other_feeds_use_interval_max_age_ttl_and_skip_days():
    now = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)  # a Thursday
    url = "https://example.org/feed.xml"
    assert next_poll_after_success(url=url, interval_minutes=30, now=now) == now + timedelta(
        minutes=30
    )
    later = next_poll_after_success(url=url, interval_minutes=30, now=now, max_age_seconds=7200)
    assert later == now + timedelta(hours=2)
    assert next_poll_after_success(
        url=url, interval_minutes=30, now=now, ttl_minutes=180
    ) == now + timedelta(hours=3)
    capped = next_poll_after_success(url=url, interval_minutes=30, now=now, max_age_seconds=10**9)
    assert capped == now + timedelta(hours=24)
    friday_night = datetime(2024, 11, 29, 23, 50, tzinfo=UTC)
    skipped = next_poll_after_success(
        url=url, interval_minutes=30, now=friday_night, skip_days=["Saturday", "Sunday"]
    )
    assert skipped == datetime(2024, 12, 2, 0, 0, tzinfo=UTC)


def test_failures_back_off_growing_and_capped_never_disabled():
    now = datetime(2024, 11, 28, tzinfo=UTC)
    delays = [next_poll_after_failure(failures=n, now=now) - now for n in (1, 2, 3, 10, 100)]
    assert delays[:3] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert delays[3] == delays[4] == timedelta(hours=6)
    retry = next_poll_after_failure(failures=1, now=now, retry_after_seconds=3600)
    assert retry == now + timedelta(hours=1)


def test_latest_announcement_day_and_submission_window():
    saturday = datetime(2024, 11, 30, 12, tzinfo=UTC)
    assert latest_announcement_day(saturday) == date(2024, 11, 29)
    # Tuesday's feed lists what was submitted Friday 14:00 ET to Monday 14:00 ET.
    start, end = submission_window(date(2024, 12, 3))
    assert start == datetime(2024, 11, 29, 19, 0, tzinfo=UTC)
    assert end == datetime(2024, 12, 2, 19, 0, tzinfo=UTC)
