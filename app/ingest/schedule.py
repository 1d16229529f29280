"""When to ask a source again: pure functions of the source, what it told us, and `now`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

# arXiv builds its announcement feeds at midnight US Eastern on weekdays (arXiv/arxiv-feed,
# ARXIV_BUSINESS_TZ); a few polls shortly after that catch a late build without hammering it.
ARXIV_TZ = ZoneInfo("America/New_York")
ARXIV_POLL_TIMES = (time(0, 20), time(2, 0), time(6, 0))
ANNOUNCEMENT_WEEKDAYS = {0, 1, 2, 3, 4}  # Monday to Friday
MAX_CACHE_WAIT = timedelta(hours=24)
FAILURE_BASE = timedelta(minutes=5)
FAILURE_CAP = timedelta(hours=6)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def is_arxiv_announcement_feed(url: str) -> bool:
    """rss.arxiv.org (and its old export/arxiv.org aliases) announcement feeds, not API queries."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not (host == "arxiv.org" or host.endswith(".arxiv.org")):
        return False
    return parts.path.startswith(("/rss/", "/atom/"))


def arxiv_feed_categories(url: str) -> list[str]:
    """The archives or categories an announcement feed URL asks for ("cs.AI+stat.ML")."""
    path = urlsplit(url).path
    query = path.split("/", 2)[2] if path.count("/") >= 2 else ""
    return [part for part in query.replace(" ", "+").split("+") if part]


def next_arxiv_poll(now: datetime) -> datetime:
    """The next of the few daily poll times after an announcement, skipping weekends."""
    local = now.astimezone(ARXIV_TZ)
    day = local.date()
    for offset in range(8):
        candidate_day = day + timedelta(days=offset)
        if candidate_day.weekday() not in ANNOUNCEMENT_WEEKDAYS:
            continue
        for poll_time in ARXIV_POLL_TIMES:
            candidate = datetime.combine(candidate_day, poll_time, ARXIV_TZ)
            if candidate > local:
                return candidate.astimezone(UTC)
    raise AssertionError("unreachable: a weekday falls within any 8 days")


def next_poll_after_success(
    *,
    url: str,
    interval_minutes: int,
    now: datetime,
    max_age_seconds: int | None = None,
    ttl_minutes: int | None = None,
    skip_days: list[str] | None = None,
) -> datetime:
    """Next poll after a good answer, honouring Cache-Control max-age, RSS `ttl` and `skipDays`."""
    if is_arxiv_announcement_feed(url):
        planned = next_arxiv_poll(now)
    else:
        planned = now + timedelta(minutes=interval_minutes)
    floor = now
    if max_age_seconds:
        floor = max(floor, now + min(timedelta(seconds=max_age_seconds), MAX_CACHE_WAIT))
    if ttl_minutes:
        floor = max(floor, now + min(timedelta(minutes=ttl_minutes), MAX_CACHE_WAIT))
    return _skip_days(max(planned, floor), skip_days or [])


def _skip_days(when: datetime, skip_days: list[str]) -> datetime:
    skipped = {name.strip().capitalize() for name in skip_days}
    if len(skipped) >= 7:
        return when
    while WEEKDAY_NAMES[when.weekday()] in skipped:
        when = datetime.combine(when.date() + timedelta(days=1), time(0, 0), UTC)
    return when


def next_poll_after_failure(
    *, failures: int, now: datetime, retry_after_seconds: float | None = None
) -> datetime:
    """Growing, capped delay after consecutive failures; a failing source is never disabled."""
    exponent = max(failures - 1, 0)
    delay = min(FAILURE_BASE * (2 ** min(exponent, 16)), FAILURE_CAP)
    if retry_after_seconds:
        delay = max(delay, timedelta(seconds=retry_after_seconds))
    return now + delay


def expected_announcement_days(start: date, end: date) -> list[date]:
    """Weekdays from `start` to `end` inclusive: the days arXiv announces (holidays aside)."""
    days = []
    day = start
    while day <= end:
        if day.weekday() in ANNOUNCEMENT_WEEKDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def latest_announcement_day(now: datetime) -> date:
    """The newest announcement day whose feed should exist at `now` (arXiv midnight, weekdays)."""
    day = now.astimezone(ARXIV_TZ).date()
    while day.weekday() not in ANNOUNCEMENT_WEEKDAYS:
        day -= timedelta(days=1)
    return day


def submission_window(announced_on: date) -> tuple[datetime, datetime]:
    """The submission interval (UTC) announced on a feed day: 14:00 ET two business days back
    to 14:00 ET the business day before (arXiv's daily cut-off)."""
    previous = _previous_weekday(announced_on)
    before = _previous_weekday(previous)
    cutoff = time(14, 0)
    start = datetime.combine(before, cutoff, ARXIV_TZ).astimezone(UTC)
    end = datetime.combine(previous, cutoff, ARXIV_TZ).astimezone(UTC)
    return start, end


def announcement_day_of(submitted_at: datetime) -> date:
    """The feed day that announces a submission: the inverse of `submission_window`.

    A paper submitted before a weekday's 14:00 ET cut-off is announced the next weekday.
    """
    local = submitted_at.astimezone(ARXIV_TZ)
    cutoff_day = local.date()
    if local.timetz().replace(tzinfo=None) >= time(14, 0):
        cutoff_day += timedelta(days=1)
    while cutoff_day.weekday() not in ANNOUNCEMENT_WEEKDAYS:
        cutoff_day += timedelta(days=1)
    return _next_weekday(cutoff_day)


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() not in ANNOUNCEMENT_WEEKDAYS:
        day += timedelta(days=1)
    return day


def _previous_weekday(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() not in ANNOUNCEMENT_WEEKDAYS:
        day -= timedelta(days=1)
    return day
