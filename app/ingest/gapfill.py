"""Fill announcement days the poller missed, through the arXiv API.

rss.arxiv.org only ever holds the current announcement, so a day the machine was off is gone from
the feed. This job finds such days from the announcement calendar and asks the API for the papers
submitted in that day's window. It runs on its own schedule and never touches a feed's poll.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.ingest.arxiv_api import ARXIV_API_URL, ArxivApiError, fetch_api_page, search_url
from app.ingest.fetch import FetchConnectionError, FetchError
from app.ingest.ratelimit import HostLimiter
from app.ingest.schedule import (
    arxiv_feed_categories,
    expected_announcement_days,
    is_arxiv_announcement_feed,
    latest_announcement_day,
    submission_window,
)
from app.ingest.store import record_announcement_day, upsert_papers
from app.models import AnnouncementDay, Source
from app.schemas import PaperRecord

log = logging.getLogger(__name__)
LOOKBACK_DAYS = 14


@dataclass(frozen=True)
class GapTask:
    """One missed announcement day of one source."""

    source_id: int
    label: str
    categories: tuple[str, ...]
    day: date


@dataclass
class GapFillReport:
    """What a gap-fill run did; `stopped` says why it gave up early, if it did."""

    days_filled: list[tuple[int, date, int]] = field(default_factory=list)
    stopped: str | None = None


def missing_days(seen: set[date], first: date, last: date) -> list[date]:
    """Announcement days from `first` to `last` that were never seen."""
    return [day for day in expected_announcement_days(first, last) if day not in seen]


def plan_gap_fill(session: Session, now: datetime) -> list[GapTask]:
    """Missed days of every enabled announcement feed, since it first saw a day (≤ 14 days back).

    Only days before the newest announcement count: the newest is still in the feed itself.
    """
    newest = latest_announcement_day(now)
    horizon = newest - timedelta(days=LOOKBACK_DAYS)
    tasks = []
    for source in session.scalars(select(Source).where(Source.enabled.is_(True))):
        if not is_arxiv_announcement_feed(source.url):
            continue
        statement = select(AnnouncementDay.day).where(AnnouncementDay.source_id == source.id)
        seen = set(session.scalars(statement))
        first_seen = session.scalar(
            select(func.min(AnnouncementDay.day)).where(AnnouncementDay.source_id == source.id)
        )
        if first_seen is None:
            continue  # never polled successfully: nothing to measure a gap against
        categories = tuple(arxiv_feed_categories(source.url))
        for day in missing_days(seen, max(first_seen, horizon), newest - timedelta(days=1)):
            tasks.append(GapTask(source.id, source.label, categories, day))
    return tasks


def api_query_url(api_url: str, categories: tuple[str, ...], day: date, start: int) -> str:
    """The API query for papers in `categories` submitted in `day`'s announcement window."""
    window_start, window_end = submission_window(day)
    cats = " OR ".join(f"cat:{c}" if "." in c else f"cat:{c}.*" for c in categories)
    stamp = "%Y%m%d%H%M"
    query = f"({cats}) AND submittedDate:[{window_start:{stamp}} TO {window_end:{stamp}}]"
    return search_url(api_url, query, start)


def classify_listing(record: PaperRecord, categories: tuple[str, ...], day: date) -> PaperRecord:
    """Mark an API record as the day's listing: `new` in its primary category, else `cross`."""
    primary = record.categories[0] if record.categories else ""
    archive = primary.split(".")[0]
    own = primary in categories or archive in categories
    return record.model_copy(
        update={"announced_on": day, "announce_type": "new" if own else "cross"}
    )


def fill_gaps(
    session_factory: sessionmaker[Session],
    client: httpx.Client,
    limiter: HostLimiter,
    now: datetime,
    api_url: str = ARXIV_API_URL,
) -> GapFillReport:
    """Fill every missed day; without a network, give up at the first request with the reason."""
    report = GapFillReport()
    with session_factory() as session:
        tasks = plan_gap_fill(session, now)
    for task in tasks:
        try:
            records = _fetch_day(client, limiter, api_url, task)
        except FetchConnectionError as error:
            report.stopped = f"arXiv API unreachable, gap filling gives up for now: {error}"
            log.warning("gap fill stopped", extra={"reason": report.stopped})
            return report
        except (FetchError, ArxivApiError) as error:
            report.stopped = f"arXiv API failed for {task.day}: {error}"
            log.warning("gap fill stopped", extra={"reason": report.stopped})
            return report
        with transaction(session_factory) as session:
            upsert_papers(
                session,
                records,
                source_id=task.source_id,
                source_label=task.label,
                now=now,
                origin="api",
            )
            record_announcement_day(session, task.source_id, task.day, "api", len(records))
        report.days_filled.append((task.source_id, task.day, len(records)))
    return report


def _fetch_day(
    client: httpx.Client, limiter: HostLimiter, api_url: str, task: GapTask
) -> list[PaperRecord]:
    records: list[PaperRecord] = []
    start = 0
    while True:
        url = api_query_url(api_url, task.categories, task.day, start)
        feed = fetch_api_page(client, limiter, url)
        records.extend(classify_listing(r, task.categories, task.day) for r in feed.records)
        start += len(feed.records)
        if not feed.records or start >= (feed.total_results or 0):
            return records
