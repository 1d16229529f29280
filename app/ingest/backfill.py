"""Backfill one arXiv category over a date range through the arXiv API, resumably.

The range is cut into windows of a few days (`submittedDate:[… TO …]`), each paged with `start`
in submission order. Each page is stored in one transaction together with the progress row that
says where the next page starts, so a killed run loses nothing and repeats nothing: rerun the
same command and it continues from that row.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.ingest.arxiv_api import ARXIV_API_URL, PAGE_SIZE, ArxivApiError, fetch_api_page, search_url
from app.ingest.fetch import FetchError
from app.ingest.gapfill import classify_listing
from app.ingest.ratelimit import DEFAULT_INTERVALS, HostLimiter
from app.ingest.schedule import announcement_day_of, arxiv_feed_categories
from app.ingest.sources import add_source, resolve_source
from app.ingest.store import upsert_papers
from app.models import BackfillProgress, Source
from app.schemas import PaperRecord

WINDOW_DAYS = 7  # a week of even the busiest category (cs.LG) stays well under 10 pages
RETRIES = 3  # 429/503 with Retry-After, then the run stops and a rerun resumes


@dataclass(frozen=True)
class BackfillJob:
    """What to backfill: one category (or archive) from `since` to `until`, both inclusive."""

    category: str
    since: date
    until: date
    window_days: int = WINDOW_DAYS
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class BackfillStatus:
    """A snapshot of the progress row, for the progress bar and the final report."""

    windows_done: int
    windows_total: int
    next_start: int
    window_total: int | None
    papers: int
    requests: int
    finished: bool
    eta_seconds: float


class BackfillStoppedError(Exception):
    """The API failed; progress up to the last stored page is kept and a rerun resumes."""


def windows(job: BackfillJob) -> list[tuple[date, date]]:
    """The range cut into windows of `window_days` days, the last one cut short at `until`."""
    if job.until < job.since:
        raise ValueError(f"--until {job.until} is before --since {job.since}")
    cuts = []
    start = job.since
    while start <= job.until:
        end = min(start + timedelta(days=job.window_days - 1), job.until)
        cuts.append((start, end))
        start = end + timedelta(days=1)
    return cuts


def window_query(category: str, first: date, last: date) -> str:
    """The API query for a category's submissions from `first` 00:00 to `last` 23:59 (UTC)."""
    cat = f"cat:{category}" if "." in category else f"cat:{category}.*"
    return f"{cat} AND submittedDate:[{first:%Y%m%d}0000 TO {last:%Y%m%d}2359]"


def backfill_source(session: Session, category: str, now: datetime) -> tuple[Source, bool]:
    """The source that backfilled papers are listed under: the category's feed, added if absent.

    Returns (source, created). A feed of several categories ("cs.AI+cs.LG") that names this one
    counts as the category's feed.
    """
    url, _kind = resolve_source(category, "arxiv")
    exact = session.scalar(select(Source).where(Source.url == url))
    if exact is not None:
        return exact, False
    for source in session.scalars(select(Source).where(Source.kind == "arxiv").order_by(Source.id)):
        if category in arxiv_feed_categories(source.url):
            return source, False
    source = add_source(session, category, kind="arxiv", label=None, every_minutes=60, now=now)
    return source, True


def load_progress(session: Session, job: BackfillJob, now: datetime) -> BackfillProgress:
    """The job's progress row, created at the first window if this range is new."""
    row = session.scalar(
        select(BackfillProgress).where(
            BackfillProgress.kind == "arxiv",
            BackfillProgress.category == job.category,
            BackfillProgress.since == job.since,
            BackfillProgress.until == job.until,
        )
    )
    if row is None:
        row = BackfillProgress(
            kind="arxiv",
            category=job.category,
            since=job.since,
            until=job.until,
            window_start=job.since,
            next_start=0,
            papers=0,
            requests=0,
            started_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def unfinished_until(session: Session, category: str, since: date) -> date | None:
    """The end date of an unfinished backfill of this category from `since`, if there is one.

    A run without --until means "until today"; resumed on a later day it must continue the
    same range rather than start a new one.
    """
    return session.scalar(
        select(BackfillProgress.until)
        .where(
            BackfillProgress.kind == "arxiv",
            BackfillProgress.category == category,
            BackfillProgress.since == since,
            BackfillProgress.finished_at.is_(None),
        )
        .order_by(BackfillProgress.updated_at.desc())
        .limit(1)
    )


def status_of(row: BackfillProgress, job: BackfillJob, interval: float) -> BackfillStatus:
    """Where the job stands, with an ETA of the requests left at one per `interval` seconds."""
    cuts = windows(job)
    done = sum(1 for _, end in cuts if end < row.window_start) if not row.finished_at else len(cuts)
    left_here = 0
    if not row.finished_at:
        total = row.window_total
        left_here = max(1, math.ceil((total - row.next_start) / job.page_size)) if total else 1
    later_windows = max(len(cuts) - done - 1, 0)
    pages_per_window = max(1.0, row.requests / done) if done else 1.0
    eta = (left_here + later_windows * pages_per_window) * interval if not row.finished_at else 0
    return BackfillStatus(
        windows_done=done,
        windows_total=len(cuts),
        next_start=row.next_start,
        window_total=row.window_total,
        papers=row.papers,
        requests=row.requests,
        finished=row.finished_at is not None,
        eta_seconds=eta,
    )


def run_backfill(
    session_factory: sessionmaker[Session],
    client: httpx.Client,
    limiter: HostLimiter,
    job: BackfillJob,
    *,
    source_id: int,
    source_label: str,
    api_url: str = ARXIV_API_URL,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    on_page: Callable[[BackfillStatus], None] | None = None,
) -> BackfillStatus:
    """Fetch and store every remaining page; resumes where the progress row says."""
    interval = DEFAULT_INTERVALS["arxiv"]
    cuts = windows(job)
    with transaction(session_factory) as session:
        row = load_progress(session, job, clock())
        status = status_of(row, job, interval)
    while not status.finished:
        window = _current_window(cuts, row.window_start)
        url = search_url(
            api_url, window_query(job.category, *window), row.next_start, job.page_size
        )
        try:
            feed = fetch_api_page(client, limiter, url, retries=RETRIES, sleep=sleep)
        except (ArxivApiError, FetchError) as error:
            raise BackfillStoppedError(
                f"{error}; progress is saved: rerun the same command to resume at "
                f"{window[0]}..{window[1]} start={row.next_start}"
            ) from error
        if not feed.records and row.next_start < (feed.total_results or 0):
            # arXiv sometimes answers a page past its own total with nothing: stop, not skip.
            raise BackfillStoppedError(
                f"arXiv API returned an empty page at start={row.next_start} of "
                f"{feed.total_results} for {window[0]}..{window[1]}; rerun to resume there"
            )
        records = [_listing(record, job.category) for record in feed.records]
        with transaction(session_factory) as session:
            row = session.merge(row)
            upsert_papers(
                session,
                records,
                source_id=source_id,
                source_label=source_label,
                now=clock(),
                origin="backfill",
            )
            _advance(row, cuts, window, len(records), feed.total_results, clock())
            status = status_of(row, job, interval)
        if on_page is not None:
            on_page(status)
    return status


def _current_window(cuts: list[tuple[date, date]], window_start: date) -> tuple[date, date]:
    for cut in cuts:
        if cut[0] == window_start:
            return cut
    raise ValueError(f"progress points at {window_start}, which starts no window of this range")


def _listing(record: PaperRecord, category: str) -> PaperRecord:
    """The record as its announcement-day listing: `new` in its primary category, else `cross`."""
    if record.submitted_at is None:
        return record
    return classify_listing(record, (category,), announcement_day_of(record.submitted_at))


def _advance(
    row: BackfillProgress,
    cuts: list[tuple[date, date]],
    window: tuple[date, date],
    stored: int,
    total: int | None,
    now: datetime,
) -> None:
    """Move the progress row past the page just stored (same transaction as the papers)."""
    row.requests += 1
    row.papers += stored
    row.next_start += stored
    row.window_total = total
    row.updated_at = now
    if stored and row.next_start < (total or 0):
        return
    index = cuts.index(window)
    if index + 1 < len(cuts):
        row.window_start = cuts[index + 1][0]
        row.next_start = 0
        row.window_total = None
    else:
        row.finished_at = now
