"""Sorting a batch of checked snapshot lines out against the database, before anything is
written: new papers (normalised into plain rows for the bulk path), papers provably unchanged
(skipped without normalising any text, which is what makes a re-import cheap), and the rest
(records for `store.upsert_papers`). Reads only; workers run it ahead of the writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Connection

from app.ingest.snapshot import NameCache, SnapshotLine, SnapshotLineError, snapshot_record
from app.ingest.snapshot_sql import (
    PAPER_COLUMNS,
    dois_taken,
    select_in,
    sqlite_datetime,
    sqlite_paper_row,
)
from app.ingest.store import PAPER_FIELDS, StoredPaper, paper_row
from app.schemas import AuthorRecord, PaperRecord
from app.text import normalise_dois

ORIGIN = "snapshot"
SNAPSHOT_LABEL = "arXiv"  # arXiv papers get "arXiv (PRIMARY)"; only a paper without categories


@dataclass(frozen=True)
class Stored:
    """A stored paper as the re-import shortcut sees it."""

    paper: StoredPaper
    listed: bool  # already listed by the snapshot source


def is_unchanged(stored: Stored, line: SnapshotLine) -> bool:
    """True only when `plan_paper_write` would change nothing and the listing exists: not a newer
    version, no stored blank the line could fill, no earlier first day (tests/ingest check that
    this never disagrees with plan_paper_write)."""
    paper = stored.paper
    return (
        stored.listed
        and line.version <= (paper.version or 0)
        and not (paper.missing & line.given_fields())
        and paper.published_on is not None
        and paper.published_on <= line.first_day
    )


class FreshPaper(NamedTuple):
    """A paper for the bulk path, as plain values (a worker pickles thousands a second, and a
    pydantic model costs ~5x a tuple): its papers row (every column but the id, in the
    database's own value format), its authors' match keys and names, and what rebuilds its
    record should a concurrent writer have stored it first."""

    row: tuple
    author_keys: list[str]
    author_names: list[str]
    categories: list[str]
    version: int
    listed_on: object  # the v1 day; ISO text on SQLite
    first_day: date
    submitted_at: datetime | None
    updated_at: datetime | None

    def record(self) -> PaperRecord:
        """The record again, for `upsert_papers`."""
        values = dict(zip(PAPER_COLUMNS[1:], self.row, strict=True))
        return PaperRecord(
            **{name: values[name] for name in _TEXT_FIELDS},
            version=self.version,
            authors=[AuthorRecord(name=name) for name in self.author_names],
            categories=self.categories,
            announce_type="new",
            announced_on=self.first_day,
            submitted_at=self.submitted_at,
            updated_at=self.updated_at,
        )


_TEXT_FIELDS = ("arxiv_id", "doi", "title", "abstract", "url", "pdf_url", "comments")
_TEXT_FIELDS += ("journal_ref", "license")


@dataclass
class PreparedBatch:
    """A batch sorted out against the database, ready to write (picklable: workers make it)."""

    fresh: list[FreshPaper] = field(default_factory=list)  # never stored: the bulk path
    others: list[PaperRecord] = field(default_factory=list)  # for upsert_papers
    unchanged: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)


def prepare_batch(
    connection: Connection,
    lines: Sequence[tuple[int, SnapshotLine]],
    source_id: int,
    names: NameCache,
    now: datetime,
) -> PreparedBatch:
    """Sort checked lines (numbered) into new, unchanged and the rest; normalise only the lines
    that will be written. Reads the database, writes nothing.

    Run by worker processes ahead of the writer, so it may see the database a batch or two
    early; that is safe: a paper stored meanwhile makes the bulk insert skip it (ON CONFLICT)
    and go through upsert_papers, and "unchanged" can only stay true as stored papers get newer.
    """
    batch = PreparedBatch()
    latest: dict[str, tuple[int, SnapshotLine]] = {}
    for number, line in lines:  # a file listing one id twice: its highest version counts
        seen = latest.get(line.arxiv_id)
        if seen is not None:
            batch.unchanged += 1
        if seen is None or line.version >= seen[1].version:
            latest[line.arxiv_id] = (number, line)
    stored = _load_stored(connection, [f"arxiv:{i}" for i in latest], source_id)
    fresh, others = [], []
    for number, line in latest.values():
        found = stored.get(f"arxiv:{line.arxiv_id}")
        if found is None:
            fresh.append((number, line))
        elif is_unchanged(found, line):
            batch.unchanged += 1
        else:
            others.append((number, line))
    # A new arXiv id whose DOI a stored paper already holds is that paper's twin (a journal
    # article stored first): upsert_papers merges the two, the bulk path would not.
    dois = {line.arxiv_id: normalise_dois(line.data.get("doi")) for _, line in fresh}
    taken = dois_taken(connection, [doi for found in dois.values() for doi in found])
    twins = {arxiv_id for arxiv_id, found in dois.items() if taken.intersection(found)}
    others += [(n, line) for n, line in fresh if line.arxiv_id in twins]
    fresh = [(n, line) for n, line in fresh if line.arxiv_id not in twins]
    sqlite = connection.dialect.name == "sqlite"
    batch.fresh = [
        _fresh_paper(record, names, now, sqlite)
        for record in _records(fresh, names, batch.malformed)
    ]
    batch.others = _records(others, names, batch.malformed)
    return batch


def _fresh_paper(record: PaperRecord, names: NameCache, now: datetime, sqlite: bool) -> FreshPaper:
    row = paper_row(record, SNAPSHOT_LABEL, now)
    values = tuple(row[c] for c in PAPER_COLUMNS[1:])
    day = record.announced_on
    if sqlite:
        values, day = sqlite_paper_row(values, now, sqlite_datetime(now)), day.isoformat()
    authors = [author.name for author in record.authors]
    keys = [names.match_key(name) for name in authors]
    return FreshPaper(
        values,
        keys,
        authors,
        record.categories,
        record.version,
        day,
        record.announced_on,
        record.submitted_at,
        record.updated_at,
    )


def _records(lines, names: NameCache, malformed: list[tuple[int, str]]) -> list[PaperRecord]:
    records = []
    for number, line in lines:
        try:
            records.append(snapshot_record(line, names))
        except SnapshotLineError as error:
            malformed.append((number, str(error)))
    return records


def _load_stored(connection: Connection, keys: list[str], source_id: int) -> dict[str, Stored]:
    blanks = ", ".join(f"p.{name} IS NULL" for name in PAPER_FIELDS)
    template = (
        "SELECT p.id, p.key, p.arxiv_id, p.doi, p.version, p.published_on, p.url, "
        f"p.journal_doi, p.journal_url, {blanks}, "
        "EXISTS (SELECT 1 FROM paper_listings l WHERE l.paper_id = p.id "
        f"AND l.source_id = {int(source_id)}) FROM papers p WHERE p.key {{}}"
    )
    found: dict[str, Stored] = {}
    for row in select_in(connection, template, keys):
        paper_id, key, arxiv_id, doi, version, published_on, url, journal_doi, journal_url = row[:9]
        flags = list(row[9:])
        listed = flags.pop()
        if isinstance(published_on, str):
            published_on = date.fromisoformat(published_on)
        missing = frozenset(name for name, blank in zip(PAPER_FIELDS, flags, strict=True) if blank)
        paper = StoredPaper(
            paper_id,
            arxiv_id,
            doi,
            version,
            published_on,
            missing,
            key,
            url,
            journal_doi,
            journal_url,
        )
        found[key] = Stored(paper, bool(listed))
    return found
