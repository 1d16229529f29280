"""Missed announcement days are found from the calendar and filled through the arXiv API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.db import transaction
from app.ingest.fetch import make_client
from app.ingest.gapfill import api_query_url, fill_gaps, missing_days, plan_gap_fill
from app.ingest.ratelimit import HostLimiter
from app.ingest.sources import add_source
from app.ingest.store import record_announcement_day
from app.models import AnnouncementDay, Paper, PaperListing
from tests.support.loopback import Response

NOW = datetime(2024, 11, 29, 15, 0, tzinfo=UTC)  # Friday
MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (date(2024, 11, d) for d in (25, 26, 27, 28))


def test_missing_days_skips_weekends_and_seen_days():
    seen = {date(2024, 11, 22), MONDAY}
    assert missing_days(seen, date(2024, 11, 22), TUESDAY) == [TUESDAY]


def test_api_query_covers_the_days_submission_window():
    url = api_query_url("https://export.arxiv.org/api/query", ("cs.AI", "math"), TUESDAY, 0)
    query = parse_qs(urlsplit(url).query)["search_query"][0]
    assert query == "(cat:cs.AI OR cat:math.*) AND submittedDate:[202411221900 TO 202411251900]"


@pytest.fixture
def feed_source(session_factory) -> int:
    with transaction(session_factory) as session:
        source = add_source(session, "cs.AI", kind="arxiv", label=None, every_minutes=60, now=NOW)
        record_announcement_day(session, source.id, MONDAY, "feed", 10)
        record_announcement_day(session, source.id, THURSDAY, "feed", 10)
        return source.id


class Recorder:
    def __init__(self):
        self.waits: list[float] = []


def limiter_for(session_factory, recorder):
    return HostLimiter(session_factory, clock=lambda: NOW, sleep=recorder.waits.append)


def test_plan_finds_days_between_first_seen_and_yesterdays_announcement(
    session_factory, feed_source
):
    with session_factory() as session:
        tasks = plan_gap_fill(session, NOW)
    assert [(t.source_id, t.day) for t in tasks] == [
        (feed_source, TUESDAY),
        (feed_source, WEDNESDAY),
    ]
    assert tasks[0].categories == ("cs.AI",)


def test_fill_gaps_stores_papers_and_remembers_days(
    session_factory, feed_source, loopback_server, fixture_bytes
):
    loopback_server.add_sequence(
        "/api/query",
        [
            Response(
                body=fixture_bytes("feeds/arxiv-api/idlist-one-invalid-one-valid-2026-04-12.xml")
            ),
            Response(
                body=fixture_bytes(
                    "feeds/arxiv-api/idlist-old-style-astro-ph-0601001-2026-05-11.xml"
                )
            ),
        ],
    )
    recorder = Recorder()
    with make_client("test") as client:
        report = fill_gaps(
            session_factory,
            client,
            limiter_for(session_factory, recorder),
            NOW,
            api_url=loopback_server.url("/api/query"),
        )
    assert report.stopped is None
    assert [(day, n) for _, day, n in report.days_filled] == [(TUESDAY, 1), (WEDNESDAY, 1)]
    # arXiv's one-request-every-3-seconds rule holds between the two API calls.
    assert recorder.waits == [3.0]
    with session_factory() as session:
        listings = session.execute(
            select(
                Paper.arxiv_id,
                PaperListing.listed_on,
                PaperListing.announce_type,
                PaperListing.origin,
            )
            .join(PaperListing)
            .order_by(PaperListing.listed_on)
        ).all()
        origins = dict(
            session.execute(
                select(AnnouncementDay.day, AnnouncementDay.origin).where(
                    AnnouncementDay.source_id == feed_source
                )
            ).all()
        )
        remaining = plan_gap_fill(session, NOW)
    assert listings == [
        ("1707.08567", TUESDAY, "cross", "api"),
        ("astro-ph/0601001", WEDNESDAY, "cross", "api"),
    ]
    assert origins[TUESDAY] == "api" and origins[MONDAY] == "feed"
    assert remaining == []


def test_without_network_it_gives_up_at_once_with_a_reason(session_factory, feed_source):
    from tests.support.loopback import refused_port

    recorder = Recorder()
    with refused_port() as port, make_client("test", connect_timeout=1.0) as client:
        report = fill_gaps(
            session_factory,
            client,
            limiter_for(session_factory, recorder),
            NOW,
            api_url=f"http://127.0.0.1:{port}/api/query",
        )
    assert report.days_filled == [] and "unreachable" in report.stopped
    with session_factory() as session:
        assert len(plan_gap_fill(session, NOW)) == 2
