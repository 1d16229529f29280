"""Poll sources: fetch, parse, store one document per transaction, and record every attempt."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import source_lock, transaction
from app.ingest import biorxiv
from app.ingest.documents import parse_document
from app.ingest.fetch import FetchError, FetchResult, fetch_document
from app.ingest.ratelimit import HostLimiter
from app.ingest.schedule import (
    is_arxiv_announcement_feed,
    next_poll_after_failure,
    next_poll_after_success,
)
from app.ingest.store import StoreResult, record_announcement_day, upsert_papers
from app.models import PollRun, Source
from app.schemas import ParsedFeed

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PollOutcome:
    """What one poll of one source did, for progress displays, tables and exit codes."""

    source_id: int
    label: str
    status: str  # ok | partial | not_modified | unchanged | error | locked
    http_status: int | None = None
    entries_seen: int = 0
    papers_new: int = 0
    papers_updated: int = 0
    listings_new: int = 0
    error: str | None = None
    elapsed_seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "error"


class PollFailedError(Exception):
    """A poll attempt failed; the message is the source's `last_error`."""

    def __init__(self, message: str, http_status: int | None = None, retry_after=None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.retry_after_seconds = retry_after


class Poller:
    """Runs polls; the HTTP client, limiter and clock are injected so tests pin them."""

    def __init__(
        self,
        engine: Engine,
        session_factory: sessionmaker[Session],
        client: httpx.Client,
        limiter: HostLimiter,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        on_finished: Callable[[PollOutcome], None] | None = None,
    ) -> None:
        self.engine = engine
        # Told about every finished poll (not a skipped, locked one); the wiring uses it for
        # source health (incidents), which lives above ingest.
        self.on_finished = on_finished
        self.sleep = sleep
        self.sessions = session_factory
        self.client = client
        self.limiter = limiter
        self.clock = clock

    def due_source_ids(self) -> list[int]:
        """Enabled sources whose next poll time has come (or that were never polled)."""
        now = self.clock()
        with self.sessions() as session:
            statement = (
                select(Source.id)
                .where(Source.enabled.is_(True))
                .where((Source.next_poll_at.is_(None)) | (Source.next_poll_at <= now))
                .order_by(Source.next_poll_at.is_not(None), Source.next_poll_at, Source.id)
            )
            return list(session.scalars(statement))

    def poll_many(
        self, source_ids: Iterable[int], on_done: Callable[[PollOutcome], None] | None = None
    ) -> list[PollOutcome]:
        """Poll each source in turn; one failing source never stops the others."""
        outcomes = []
        for source_id in source_ids:
            outcome = self.poll_source(source_id)
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
        return outcomes

    def poll_source(self, source_id: int) -> PollOutcome:
        """Poll one source under its lock; every attempt leaves a poll_runs row."""
        started = time.perf_counter()
        with source_lock(self.engine, source_id) as got_lock:
            if not got_lock:
                label = self._label(source_id)
                return PollOutcome(source_id, label, "locked", error="polled elsewhere right now")
            outcome = self._poll_locked(source_id)
        outcome.elapsed_seconds = time.perf_counter() - started
        self._report(outcome)
        return outcome

    def _report(self, outcome: PollOutcome) -> None:
        if self.on_finished is None:
            return
        try:
            self.on_finished(outcome)
        except Exception:  # health bookkeeping must never fail a poll
            log.exception("poll hook failed", extra={"source_id": outcome.source_id})

    def _label(self, source_id: int) -> str:
        with self.sessions() as session:
            source = session.get(Source, source_id)
            return source.label if source else f"#{source_id}"

    def _poll_locked(self, source_id: int) -> PollOutcome:
        with transaction(self.sessions) as session:
            source = session.get(Source, source_id)
            if source is None:
                raise LookupError(f"no source with id {source_id}")
            run = PollRun(source_id=source_id, started_at=self.clock(), status="running")
            session.add(run)
            session.flush()
            snapshot = _SourceSnapshot.of(source, run.id)
        try:
            return self._fetch_and_store(snapshot)
        except PollFailedError as error:
            return self._record_failure(snapshot, error)
        except Exception as error:  # a bug or a database fault must not stop other sources
            log.exception("poll crashed", extra={"source_id": source_id})
            failure = PollFailedError(f"internal error: {type(error).__name__}: {error}")
            return self._record_failure(snapshot, failure)

    def _fetch_and_store(self, source: _SourceSnapshot) -> PollOutcome:
        if source.kind == "biorxiv":
            return self._fetch_and_store_pages(source)
        fetched = self._fetch(source.url, source.etag, source.last_modified)
        if fetched.not_modified:
            return self._record_quiet(source, fetched, "not_modified")
        body_hash = hashlib.sha256(fetched.body).hexdigest()
        if fetched.status_code == 200 and body_hash == source.body_hash:
            return self._record_quiet(source, fetched, "unchanged")
        feed = _parse(source, fetched)
        return self._store(source, fetched, feed, body_hash)

    def _fetch_and_store_pages(self, source: _SourceSnapshot) -> PollOutcome:
        """bioRxiv: every cursor page of the interval, stored as one document in one transaction.

        A page that fails fails the whole poll, so an interval is never half-stored; the hash of
        all pages lets an unchanged interval be skipped like an unchanged feed.
        """
        query = _biorxiv_query(source.url)
        today = self.clock().date()
        pages: list[ParsedFeed] = []
        digest = hashlib.sha256()
        cursor: int | None = 0
        while cursor is not None and len(pages) < biorxiv.MAX_PAGES:
            fetched = self._fetch(query.page_url(today, cursor), None, None)
            digest.update(fetched.body)
            pages.append(_parse(source, fetched))
            cursor = pages[-1].next_cursor
        body_hash = digest.hexdigest()
        if body_hash == source.body_hash:
            return self._record_quiet(source, fetched, "unchanged")
        feed = biorxiv.merge_pages(pages)
        feed.truncated = cursor is not None  # MAX_PAGES reached: keep what came, say so
        return self._store(source, fetched, feed, body_hash)

    def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        try:
            return fetch_document(
                self.client,
                url,
                etag=etag,
                last_modified=last_modified,
                sleep=self.sleep,
                before_request=lambda: self.limiter.wait(url),
            )
        except FetchError as error:
            status = getattr(error, "status_code", None)
            retry_after = getattr(error, "retry_after_seconds", None)
            raise PollFailedError(str(error), status, retry_after) from error

    def _store(
        self, source: _SourceSnapshot, fetched: FetchResult, feed: ParsedFeed, body_hash: str
    ) -> PollOutcome:
        now = self.clock()
        for record in feed.records:
            record.announced_on = record.announced_on or feed.announced_on or now.date()
        status = "partial" if feed.truncated else "ok"
        note = (
            f"document cut off: kept {len(feed.records)} complete entries"
            if feed.truncated
            else None
        )
        with transaction(self.sessions) as session:
            # Journal papers carry the journal's own name (the feed's title); arXiv papers are
            # labelled by their primary category inside the store.
            label = feed.title if feed.kind != "arxiv" and feed.title else source.label
            result = upsert_papers(
                session, feed.records, source_id=source.id, source_label=label, now=now
            )
            if feed.announced_on and is_arxiv_announcement_feed(source.url):
                record_announcement_day(
                    session, source.id, feed.announced_on, "feed", len(feed.records)
                )
            row = session.get(Source, source.id)
            row.etag, row.last_modified = fetched.etag, fetched.last_modified
            # A cut-off document is parsed again next time rather than skipped as "unchanged".
            row.body_hash = None if feed.truncated else body_hash
            self._mark_success(row, now, fetched, feed, status, note)
            _finish_run(session, source.run_id, now, status, fetched.status_code, result, note)
        return _outcome(source, status, fetched.status_code, result, note)

    def _record_quiet(
        self, source: _SourceSnapshot, fetched: FetchResult, status: str
    ) -> PollOutcome:
        now = self.clock()
        with transaction(self.sessions) as session:
            row = session.get(Source, source.id)
            row.etag = fetched.etag or row.etag
            row.last_modified = fetched.last_modified or row.last_modified
            self._mark_success(row, now, fetched, None, "ok", None)
            _finish_run(session, source.run_id, now, status, fetched.status_code, None, None)
        return PollOutcome(source.id, source.label, status, http_status=fetched.status_code)

    def _mark_success(
        self,
        row: Source,
        now: datetime,
        fetched: FetchResult,
        feed: ParsedFeed | None,
        status: str,
        note: str | None,
    ) -> None:
        row.status, row.failures, row.last_error = status, 0, note
        row.last_polled_at = row.last_success_at = now
        row.next_poll_at = next_poll_after_success(
            url=row.url,
            interval_minutes=row.interval_minutes,
            now=now,
            max_age_seconds=fetched.max_age_seconds,
            ttl_minutes=feed.ttl_minutes if feed else None,
            skip_days=feed.skip_days if feed else None,
        )

    def _record_failure(self, source: _SourceSnapshot, error: PollFailedError) -> PollOutcome:
        now = self.clock()
        message = str(error)
        log.warning("poll failed", extra={"source_id": source.id, "error": message})
        with transaction(self.sessions) as session:
            row = session.get(Source, source.id)
            row.failures += 1
            row.status, row.last_error, row.last_polled_at = "error", message, now
            row.next_poll_at = next_poll_after_failure(
                failures=row.failures, now=now, retry_after_seconds=error.retry_after_seconds
            )
            _finish_run(session, source.run_id, now, "error", error.http_status, None, message)
        return PollOutcome(
            source.id, source.label, "error", http_status=error.http_status, error=message
        )


@dataclass(frozen=True)
class _SourceSnapshot:
    """The source's fields a poll needs, read once so no ORM object outlives its session."""

    id: int
    label: str
    kind: str
    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    run_id: int

    @classmethod
    def of(cls, source: Source, run_id: int) -> _SourceSnapshot:
        return cls(
            source.id,
            source.label,
            source.kind,
            source.url,
            source.etag,
            source.last_modified,
            source.body_hash,
            run_id,
        )


def _biorxiv_query(url: str) -> biorxiv.DetailsQuery:
    try:
        return biorxiv.read_source_url(url)
    except biorxiv.BiorxivSourceError as error:
        raise PollFailedError(str(error)) from error


def _parse(source: _SourceSnapshot, fetched: FetchResult) -> ParsedFeed:
    """Parse the body (even of a 4xx: arXiv sends its error feeds with HTTP 400)."""
    try:
        feed = parse_document(source.kind, fetched.body)
    except ValueError as error:
        if fetched.status_code >= 400:
            raise PollFailedError(f"HTTP {fetched.status_code} from {source.url}") from error
        raise PollFailedError(f"unreadable document: {error}", fetched.status_code) from error
    if feed.error:
        raise PollFailedError(feed.error, fetched.status_code)
    if fetched.status_code >= 400:
        raise PollFailedError(f"HTTP {fetched.status_code} from {source.url}", fetched.status_code)
    return feed


def _finish_run(
    session: Session,
    run_id: int,
    now: datetime,
    status: str,
    http_status: int | None,
    result: StoreResult | None,
    error: str | None,
) -> None:
    run = session.get(PollRun, run_id)
    run.finished_at, run.status, run.http_status, run.error = now, status, http_status, error
    if result is not None:
        run.entries_seen = result.entries_seen
        run.papers_new = result.papers_new
        run.papers_updated = result.papers_updated
        run.listings_new = result.listings_new


def _outcome(
    source: _SourceSnapshot,
    status: str,
    http_status: int,
    result: StoreResult,
    note: str | None,
) -> PollOutcome:
    return PollOutcome(
        source.id,
        source.label,
        status,
        http_status=http_status,
        entries_seen=result.entries_seen,
        papers_new=result.papers_new,
        papers_updated=result.papers_updated,
        listings_new=result.listings_new,
        error=note,
    )
