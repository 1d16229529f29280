"""`academichub import arxiv-snapshot FILE`: stream a snapshot file into the database in batches.

Each batch is one transaction that also records how far the file was read (`snapshot_imports`:
byte offset of the decompressed stream and line number), so a killed import resumes at the first
line it had not committed: no gaps, no duplicates. A file is known by its size and a hash of its
first megabyte; a finished file imported again starts from the top and skips unchanged papers.

Papers hang their listings on one source row, "arXiv snapshot" (kind arxiv, the dump's Kaggle
URL), created disabled so the poller and gap filler never fetch it; its listings are on each
paper's v1 day, like an announcement feed's.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from app.bulk_indexes import (
    drop_secondary_indexes,
    missing_secondary_indexes,
    restore_secondary_indexes,
)
from app.ingest.snapshot_store import BatchOutcome, SnapshotWriter
from app.ingest.snapshot_workers import Block, prepared_batches
from app.models import Paper, SnapshotImport, Source
from app.search import rebuild_search_index
from app.search_index import pause_search_index, search_index_paused

SNAPSHOT_SOURCE_URL = "https://www.kaggle.com/datasets/Cornell-University/arxiv"
SNAPSHOT_SOURCE_LABEL = "arXiv snapshot"
BATCH_SIZE = 5_000
MALFORMED_KEPT = 1_000  # line numbers reported; the count is always complete
BYTES_PER_RECORD = 1_800  # a typical snapshot line, to guess a file's size in papers
GZIP_RATIO = 3  # typical compression of a snapshot


class SnapshotImportError(Exception):
    """The file cannot be imported (missing, unreadable); the message says why."""


@dataclass
class ImportReport:
    """What an import run did (cumulative over a resumed file's earlier runs)."""

    path: str
    resumed_at_line: int = 0
    lines: int = 0
    papers_new: int = 0
    papers_updated: int = 0
    papers_unchanged: int = 0
    lines_malformed: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)
    bytes_read: int = 0
    bytes_total: int = 0
    import_seconds: float = 0.0
    index_paused: bool = False  # the full-text and secondary indexes were dropped for the load
    secondary_index_seconds: float | None = None  # rebuilding them (within import_seconds)
    index_seconds: float | None = None  # rebuilding the full-text index (after import_seconds)
    finished: bool = False


ProgressHook = Callable[[ImportReport], None]


def import_snapshot(
    engine: Engine,
    path: Path,
    *,
    batch_size: int = BATCH_SIZE,
    index: str = "auto",
    restart: bool = False,
    workers: int = 0,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_progress: ProgressHook | None = None,
    after_batch: ProgressHook | None = None,
) -> ImportReport:
    """Import (or resume importing) `path`; `index` is auto | live | pause (see pause_index);
    `workers` processes prepare batches ahead of the writer (0: all in this process)."""
    if not path.is_file():
        raise SnapshotImportError(f"{path}: no such file")
    file_key = snapshot_file_key(path)
    started = time.perf_counter()
    report = ImportReport(path=str(path), bytes_total=path.stat().st_size)
    with engine.connect() as connection:
        _tune_sqlite(connection, bulk=True)
        try:
            with connection.begin():
                source_id = ensure_snapshot_source(connection, now())
                state = _load_state(connection, file_key, path, restart, now())
                report.index_paused = _maybe_pause(connection, index, path)
            _resume_counts(report, state)
            started_at = now()
            writer = SnapshotWriter(
                source_id, started_at, skip_foreign_key_checks=report.index_paused
            )
            blocks = _blocks(path, state.byte_offset, state.line_number, batch_size, report)
            batches = prepared_batches(engine, connection, blocks, source_id, workers, started_at)
            for block, batch in batches:
                _commit_batch(connection, writer, batch, file_key, block, report, now())
                report.import_seconds = time.perf_counter() - started
                if on_progress:
                    on_progress(report)
                if after_batch:
                    after_batch(report)
            with connection.begin():
                _finish_state(connection, file_key, now())
            report.finished = True
        finally:
            _tune_sqlite(connection, bulk=False)
    if report.index_paused:  # part of the import: the paper tables are not usable without them
        secondary_started = time.perf_counter()
        restore_secondary_indexes(engine)
        report.secondary_index_seconds = time.perf_counter() - secondary_started
    report.import_seconds = time.perf_counter() - started
    if report.index_paused:
        index_started = time.perf_counter()
        rebuild_search_index(engine)
        report.index_seconds = time.perf_counter() - index_started
    return report


def snapshot_file_key(path: Path) -> str:
    """Size plus a hash of the first megabyte: cheap, and a replaced file gets a new key."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    return f"{path.stat().st_size}:{hashlib.sha256(head).hexdigest()[:32]}"


def ensure_snapshot_source(connection: Connection, now: datetime) -> int:
    """The one source snapshot listings belong to, created disabled (never polled)."""
    with Session(bind=connection) as session:
        source_id = session.scalar(select(Source.id).where(Source.url == SNAPSHOT_SOURCE_URL))
        if source_id is None:
            source = Source(
                label=SNAPSHOT_SOURCE_LABEL,
                kind="arxiv",
                url=SNAPSHOT_SOURCE_URL,
                enabled=False,
                interval_minutes=24 * 60,
                status="snapshot",
                failures=0,
                created_at=now,
            )
            session.add(source)
            session.flush()
            source_id = source.id
    return source_id


def pause_index(connection: Connection, mode: str, path: Path) -> bool:
    """Whether to pause the full-text index (and drop the secondary indexes, app.bulk_indexes):
    `pause` always, `live` never, `auto` when the file
    holds over twice the papers stored (one rebuild then costs less than row-by-row upkeep, and
    a re-import, which writes nothing, keeps the index live); always when a killed import left
    it paused."""
    if search_index_paused(connection) or missing_secondary_indexes(connection):
        return True
    if mode == "pause":
        return True
    if mode == "live":
        return False
    size = path.stat().st_size * (GZIP_RATIO if path.suffix == ".gz" else 1)
    stored = connection.scalar(select(Paper.id).order_by(Paper.id.desc()).limit(1)) or 0
    return size / BYTES_PER_RECORD >= 2 * stored


def _maybe_pause(connection: Connection, mode: str, path: Path) -> bool:
    paused = pause_index(connection, mode, path)
    if paused:
        pause_search_index(connection)
        drop_secondary_indexes(connection)
    return paused


def _tune_sqlite(connection: Connection, *, bulk: bool) -> None:
    """During the import, SQLite skips fsync (a crash loses at most the batches since the last
    checkpoint, which the resume state then re-reads), caches more pages and checkpoints the
    WAL less often (index pages rewritten by consecutive batches are copied back once);
    restored after."""
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA synchronous=OFF" if bulk else "PRAGMA synchronous=NORMAL")
    raw.execute("PRAGMA cache_size=-65536" if bulk else "PRAGMA cache_size=-2000")
    raw.execute("PRAGMA wal_autocheckpoint=16384" if bulk else "PRAGMA wal_autocheckpoint=1000")


def _load_state(
    connection: Connection, file_key: str, path: Path, restart: bool, now: datetime
) -> SnapshotImport:
    with Session(bind=connection, expire_on_commit=False) as session:
        state = session.scalar(select(SnapshotImport).where(SnapshotImport.file_key == file_key))
        if state is None:
            state = SnapshotImport(file_key=file_key, started_at=now)
            session.add(state)
        if state.finished_at is not None or restart or state.byte_offset is None:
            state.byte_offset = state.line_number = 0
            state.papers_new = state.papers_updated = state.papers_unchanged = 0
            state.lines_malformed = 0
            state.started_at, state.finished_at = now, None
        state.path, state.updated_at = str(path.resolve()), now
        session.flush()
        session.expunge(state)
    return state


def _resume_counts(report: ImportReport, state: SnapshotImport) -> None:
    report.resumed_at_line = report.lines = state.line_number
    report.papers_new, report.papers_updated = state.papers_new, state.papers_updated
    report.papers_unchanged, report.lines_malformed = state.papers_unchanged, state.lines_malformed


def _commit_batch(connection, writer, batch, file_key, block: Block, report, now) -> None:
    """One transaction: the batch's papers and the new resume position, or neither."""
    try:
        with connection.begin():
            outcome = writer.write(connection, batch)
            _merge(report, outcome, block.end_line)
            connection.execute(
                SnapshotImport.__table__.update()
                .where(SnapshotImport.file_key == file_key)
                .values(
                    byte_offset=block.end_offset,
                    line_number=block.end_line,
                    papers_new=report.papers_new,
                    papers_updated=report.papers_updated,
                    papers_unchanged=report.papers_unchanged,
                    lines_malformed=report.lines_malformed,
                    updated_at=now,
                )
            )
    except BaseException:
        writer.rolled_back()
        raise
    writer.committed()


def _merge(report: ImportReport, outcome: BatchOutcome, line_number: int) -> None:
    report.lines = line_number
    report.papers_new += outcome.papers_new
    report.papers_updated += outcome.papers_updated
    report.papers_unchanged += outcome.papers_unchanged
    _note_malformed(report, outcome.malformed)


def _note_malformed(report: ImportReport, lines: list[tuple[int, str]]) -> None:
    report.lines_malformed += len(lines)
    room = MALFORMED_KEPT - len(report.malformed)
    report.malformed.extend(lines[: max(room, 0)])


def _finish_state(connection: Connection, file_key: str, now: datetime) -> None:
    connection.execute(
        SnapshotImport.__table__.update()
        .where(SnapshotImport.file_key == file_key)
        .values(finished_at=now, updated_at=now)
    )


def _blocks(
    path: Path, offset: int, line_number: int, size: int, report: ImportReport
) -> Iterator[Block]:
    """The file from `offset` on, in blocks of `size` lines (the last may be shorter)."""
    raw = path.open("rb")
    try:
        stream = gzip.GzipFile(fileobj=raw) if _is_gzip(raw) else io.BufferedReader(raw, 1 << 20)
        stream.seek(offset)  # gzip: decompresses up to it (the offset is of the plain text)
        while lines := list(islice(stream, size)):
            offset += sum(map(len, lines))
            report.bytes_read = raw.tell()
            yield Block(line_number + 1, lines, offset, line_number + len(lines))
            line_number += len(lines)
        report.bytes_read = raw.tell()
    except (OSError, EOFError) as error:
        raise SnapshotImportError(f"{path}: {error}") from error
    finally:
        raw.close()


def _is_gzip(raw) -> bool:
    magic = raw.read(2)
    raw.seek(0)
    return magic == b"\x1f\x8b"
