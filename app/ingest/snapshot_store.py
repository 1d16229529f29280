"""Writing a prepared batch: new papers in bulk, everything else through `upsert_papers`.

A snapshot is mostly papers the database has never seen, so those take a bulk path: ids decided
up front, rows written with sqlite3 `executemany` or PostgreSQL `COPY` (through a staging table
if a concurrent poller stored one of them first: that one is skipped, not an error, and goes
through the upsert). Papers already stored that may change go to `store.upsert_papers`, so a
newer version, a DOI twin or a filled blank follow exactly the rules of every other source
(`plan_paper_write`). The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.ingest.snapshot_prepare import ORIGIN, SNAPSHOT_LABEL, FreshPaper, PreparedBatch
from app.ingest.snapshot_sql import (
    BYLINE_COLUMNS,
    CATEGORY_COLUMNS,
    LISTING_COLUMNS,
    PAPER_COLUMNS,
    author_ids,
    bulk_write,
    copy_papers,
    insert_authors,
    insert_sql,
    placeholders,
    reserve_ids,
    sqlite_value,
    trusted_rows,
)
from app.ingest.store import upsert_papers
from app.schemas import PaperRecord

AUTHOR_CACHE_LIMIT = 1_000_000


@dataclass
class BatchOutcome:
    """What one batch did; `malformed` holds (line number, reason)."""

    papers_new: int = 0
    papers_updated: int = 0
    papers_unchanged: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)


class SnapshotWriter:
    """Writes batches for one import run; remembers author ids and categories between batches."""

    def __init__(self, source_id: int, now: datetime, *, skip_foreign_key_checks=False) -> None:
        self.source_id = source_id
        self.skip_foreign_key_checks = skip_foreign_key_checks
        self.now = now
        self.author_ids: dict[str, int] = {}
        self._pending_authors: dict[str, int] = {}
        self._categories: set[str] = set()

    def committed(self) -> None:
        """The caller committed the batch: ids it created are now safe to reuse."""
        if len(self.author_ids) + len(self._pending_authors) > AUTHOR_CACHE_LIMIT:
            self.author_ids.clear()
        self.author_ids.update(self._pending_authors)
        self._pending_authors.clear()

    def rolled_back(self) -> None:
        self._pending_authors.clear()
        self._categories.clear()

    def write(self, connection: Connection, batch: PreparedBatch) -> BatchOutcome:
        """Store one prepared batch inside the caller's transaction."""
        outcome = BatchOutcome(papers_unchanged=batch.unchanged, malformed=list(batch.malformed))
        lost = self._insert_new(connection, batch.fresh)
        outcome.papers_new += len(batch.fresh) - len(lost)
        slow = lost + batch.others
        if slow:
            self._upsert(connection, slow, outcome)
        return outcome

    def _upsert(self, connection: Connection, records, outcome: BatchOutcome) -> None:
        with Session(bind=connection) as session:
            result = upsert_papers(
                session,
                records,
                source_id=self.source_id,
                source_label=SNAPSHOT_LABEL,
                now=self.now,
                origin=ORIGIN,
            )
        outcome.papers_new += result.papers_new
        outcome.papers_updated += result.papers_updated
        outcome.papers_unchanged += len(records) - result.papers_new - result.papers_updated

    def _insert_new(self, connection: Connection, fresh: list[FreshPaper]) -> list[PaperRecord]:
        """Bulk-insert papers never stored; returns those a concurrent writer stored first."""
        if not fresh:
            return []
        if connection.dialect.name == "postgresql":
            ids = reserve_ids(connection, "papers_id_seq", len(fresh))
            inserted = copy_papers(connection, ids, [paper.row for paper in fresh])
        else:
            first = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM papers").scalar()
            ids = range(first + 1, first + 1 + len(fresh))
            connection.exec_driver_sql(
                insert_sql("papers", PAPER_COLUMNS) + " ON CONFLICT DO NOTHING",
                [(paper_id, *paper.row) for paper_id, paper in zip(ids, fresh, strict=True)],
            )
            inserted = set(
                connection.exec_driver_sql(
                    "SELECT id FROM papers WHERE id > ? AND id <= ?", (first, first + len(fresh))
                ).scalars()
            )
        kept = [(i, paper) for i, paper in zip(ids, fresh, strict=True) if i in inserted]
        self._write_children(connection, kept)
        return [paper.record() for i, paper in zip(ids, fresh, strict=True) if i not in inserted]

    def _write_children(self, connection: Connection, papers: list[tuple[int, FreshPaper]]) -> None:
        author_ids = self._ensure_authors(connection, [paper for _, paper in papers])
        self._ensure_categories(connection, {c for _, p in papers for c in p.categories})
        bylines = [
            (pid, position, author_ids[key], None)
            for pid, paper in papers
            for position, key in enumerate(paper.author_keys)
        ]
        categories = [
            (pid, code, position)
            for pid, paper in papers
            for position, code in enumerate(paper.categories)
        ]
        now = sqlite_value(self.now) if connection.dialect.name == "sqlite" else self.now
        listings = [
            (pid, self.source_id, paper.listed_on, "new", paper.version, ORIGIN, now)
            for pid, paper in papers
        ]
        with trusted_rows(connection, self.skip_foreign_key_checks):
            bulk_write(connection, "paper_authors", BYLINE_COLUMNS, bylines)
            bulk_write(connection, "paper_categories", CATEGORY_COLUMNS, categories)
            bulk_write(connection, "paper_listings", LISTING_COLUMNS, listings)

    def _ensure_authors(self, connection: Connection, papers: list[FreshPaper]) -> dict[str, int]:
        """Author ids by match key for every byline of `papers`, creating unknown authors."""
        first_name: dict[str, str] = {}
        for paper in papers:
            for key, name in zip(paper.author_keys, paper.author_names, strict=True):
                if key not in first_name:
                    first_name[key] = name
        ids: dict[str, int] = {}
        unknown = []
        committed, pending = self.author_ids, self._pending_authors
        for key in first_name:
            found = committed.get(key) or pending.get(key)
            if found is None:
                unknown.append(key)
            else:
                ids[key] = found
        found = author_ids(connection, unknown)
        ids.update(found)
        missing = [k for k in unknown if k not in found]
        ids.update(insert_authors(connection, [(first_name[k], k) for k in missing]))
        pending.update((k, ids[k]) for k in unknown)
        return ids

    def _ensure_categories(self, connection: Connection, codes: set[str]) -> None:
        missing = sorted(codes - self._categories)
        if missing:
            connection.exec_driver_sql(
                placeholders(
                    connection,
                    "INSERT INTO categories (code) VALUES ({}) ON CONFLICT DO NOTHING",
                    1,
                ),
                [(code,) for code in missing],
            )
            self._categories.update(missing)
