"""Writing a batch of snapshot lines: new papers in bulk, everything else through `upsert_papers`.

A snapshot is mostly papers the database has never seen, so those take a bulk path: ids decided
up front, rows written with sqlite3 `executemany` or PostgreSQL `COPY` (through a staging table
for papers, so a row a concurrent poller wrote first is skipped, not an error). A paper already
stored is either provably unchanged — checked on the raw line against the stored version and
blank columns, without normalising any text, which is what makes a re-import cheap — or handed to
`store.upsert_papers`, so a newer version, a DOI twin or a filled blank follow exactly the rules
of every other source (`plan_paper_write`). The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

from psycopg.errors import UniqueViolation
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.ingest.snapshot import NameCache, SnapshotLine, SnapshotLineError, snapshot_record
from app.ingest.store import PAPER_FIELDS, StoredPaper, paper_row, upsert_papers
from app.schemas import AuthorRecord, PaperRecord
from app.text import normalise_doi

SQLITE_CHUNK = 900
AUTHOR_CACHE_LIMIT = 1_000_000
PAPER_COLUMNS = [
    "id",
    "key",
    "arxiv_id",
    "doi",
    "version",
    "title",
    "abstract",
    "abstract_html",
    "announce_type",
    "published_on",
    "submitted_at",
    "updated_at",
    "primary_category",
    "source_label",
    "url",
    "pdf_url",
    "comments",
    "journal_ref",
    "license",
    "created_at",
    "modified_at",
]
LISTING_COLUMNS = [
    "paper_id",
    "source_id",
    "listed_on",
    "announce_type",
    "version",
    "origin",
    "created_at",
]
ORIGIN = "snapshot"
SNAPSHOT_LABEL = "arXiv"  # arXiv papers get "arXiv (PRIMARY)"; only a paper without categories
BYLINE_COLUMNS = ("paper_id", "position", "author_id", "affiliation")
CATEGORY_COLUMNS = ("paper_id", "category", "position")


@dataclass
class BatchOutcome:
    """What one batch did; `malformed` holds (line number, reason)."""

    papers_new: int = 0
    papers_updated: int = 0
    papers_unchanged: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)


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
    dois = {line.arxiv_id: normalise_doi(line.data.get("doi")) for _, line in fresh}
    taken = _dois_taken(connection, list(dois.values()))
    others += [(n, line) for n, line in fresh if dois[line.arxiv_id] in taken]
    fresh = [(n, line) for n, line in fresh if dois[line.arxiv_id] not in taken]
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
        values, day = _sqlite_paper(values, now, _sqlite_datetime(now)), day.isoformat()
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


class SnapshotWriter:
    """Writes batches for one import run; remembers author ids and categories between batches."""

    def __init__(self, source_id: int, now: datetime, *, skip_foreign_key_checks=False) -> None:
        self.source_id = source_id
        self.skip_foreign_key_checks = skip_foreign_key_checks
        self.now = now
        self.names = NameCache()  # match keys of authors being written
        self._author_ids: dict[str, int] = {}
        self._pending_authors: dict[str, int] = {}
        self._categories: set[str] = set()

    def committed(self) -> None:
        """The caller committed the batch: ids it created are now safe to reuse."""
        if len(self._author_ids) + len(self._pending_authors) > AUTHOR_CACHE_LIMIT:
            self._author_ids.clear()
        self._author_ids.update(self._pending_authors)
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
            ids = _reserve_ids(connection, "papers_id_seq", len(fresh))
            inserted = _copy_papers(connection, ids, [paper.row for paper in fresh])
        else:
            first = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM papers").scalar()
            ids = range(first + 1, first + 1 + len(fresh))
            connection.exec_driver_sql(
                _insert_sql("papers", PAPER_COLUMNS) + " ON CONFLICT DO NOTHING",
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
        now = _sqlite(self.now) if connection.dialect.name == "sqlite" else self.now
        listings = [
            (pid, self.source_id, paper.listed_on, "new", paper.version, ORIGIN, now)
            for pid, paper in papers
        ]
        with _trusted_rows(connection, self.skip_foreign_key_checks):
            _bulk_write(connection, "paper_authors", BYLINE_COLUMNS, bylines)
            _bulk_write(connection, "paper_categories", CATEGORY_COLUMNS, categories)
            _bulk_write(connection, "paper_listings", LISTING_COLUMNS, listings)

    def _ensure_authors(self, connection: Connection, papers: list[FreshPaper]) -> dict[str, int]:
        """Author ids by match key for every byline of `papers`, creating unknown authors."""
        first_name: dict[str, str] = {}
        for paper in papers:
            for key, name in zip(paper.author_keys, paper.author_names, strict=True):
                if key not in first_name:
                    first_name[key] = name
        ids: dict[str, int] = {}
        unknown = []
        committed, pending = self._author_ids, self._pending_authors
        for key in first_name:
            found = committed.get(key) or pending.get(key)
            if found is None:
                unknown.append(key)
            else:
                ids[key] = found
        found = _author_ids(connection, unknown)
        ids.update(found)
        missing = [k for k in unknown if k not in found]
        ids.update(_insert_authors(connection, [(first_name[k], k) for k in missing]))
        pending.update((k, ids[k]) for k in unknown)
        return ids

    def _ensure_categories(self, connection: Connection, codes: set[str]) -> None:
        missing = sorted(codes - self._categories)
        if missing:
            connection.exec_driver_sql(
                _placeholders(
                    connection,
                    "INSERT INTO categories (code) VALUES ({}) ON CONFLICT DO NOTHING",
                    1,
                ),
                [(code,) for code in missing],
            )
            self._categories.update(missing)


# --- dialect-specific statements ------------------------------------------------------------------


def _placeholders(connection: Connection, template: str, count: int) -> str:
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    return template.format(", ".join([mark] * count))


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _sqlite(value):
    """The text SQLAlchemy's SQLite types store (UTC datetimes without zone, ISO dates)."""
    if isinstance(value, datetime):
        return _sqlite_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_paper(row: tuple, now: datetime, now_text: str) -> tuple:
    """A papers row without its id, its dates and datetimes as SQLite stores them."""
    values = list(row)
    for index in _PAPER_DATETIMES:
        value = values[index]
        values[index] = now_text if value is now else _sqlite_datetime(value)
    day = values[_PAPER_DAY]
    values[_PAPER_DAY] = day.isoformat() if day else None
    return tuple(values)


_PAPER_DATETIMES = [
    PAPER_COLUMNS.index(c) - 1 for c in ("submitted_at", "updated_at", "created_at", "modified_at")
]
_PAPER_DAY = PAPER_COLUMNS.index("published_on") - 1


def _bulk_write(connection: Connection, table: str, columns: Sequence[str], rows: list) -> None:
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        with _cursor(connection).copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if any(isinstance(value, date) for value in rows[0]):
        rows = [tuple(map(_sqlite, row)) for row in rows]
    connection.exec_driver_sql(_insert_sql(table, columns), rows)


@contextmanager
def _trusted_rows(connection: Connection, skip_checks: bool) -> Iterator[None]:
    """PostgreSQL checks every foreign key of every COPYed row with a trigger (~10 a paper,
    most of the server's work in a bulk load). The link rows written here point only at ids
    this transaction has just inserted or read (papers, authors, categories, the snapshot
    source), so a superuser may skip those triggers, as pg_restore --disable-triggers does."""
    if not (skip_checks and connection.dialect.name == "postgresql" and _is_superuser(connection)):
        yield
        return
    connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        connection.exec_driver_sql("SET LOCAL session_replication_role = origin")


def _is_superuser(connection: Connection) -> bool:
    return connection.exec_driver_sql("SHOW is_superuser").scalar() == "on"


def _cursor(connection: Connection):
    return connection.connection.driver_connection.cursor()


def _reserve_ids(connection: Connection, sequence: str, count: int) -> list[int]:
    statement = f"SELECT nextval('{sequence}') FROM generate_series(1, %s)"
    return [row[0] for row in connection.exec_driver_sql(statement, (count,))]


def _copy_papers(connection: Connection, ids: list[int], rows: list[tuple]) -> set[int]:
    """COPY straight into papers; if a concurrent writer stored one of them meanwhile (a unique
    key violated), roll that back and go through a staging table instead. Returns the ids
    inserted."""
    columns = ", ".join(PAPER_COLUMNS)
    try:
        with (
            connection.begin_nested(),
            _cursor(connection).copy(f"COPY papers ({columns}) FROM STDIN") as copy,
        ):
            for paper_id, row in zip(ids, rows, strict=True):
                copy.write_row((paper_id, *row))
        return set(ids)
    except UniqueViolation:
        return _copy_papers_staged(connection, ids, rows)


def _copy_papers_staged(connection: Connection, ids: list[int], rows: list[tuple]) -> set[int]:
    """COPY into a staging table, then insert what no one stored meanwhile; returns those ids."""
    columns = ", ".join(PAPER_COLUMNS)
    connection.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS snapshot_papers ON COMMIT DELETE ROWS "
        f"AS SELECT {columns} FROM papers WITH NO DATA"
    )
    with _cursor(connection).copy(f"COPY snapshot_papers ({columns}) FROM STDIN") as copy:
        for paper_id, row in zip(ids, rows, strict=True):
            copy.write_row((paper_id, *row))
    result = connection.exec_driver_sql(
        f"INSERT INTO papers ({columns}) SELECT {columns} FROM snapshot_papers "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    inserted = {row[0] for row in result}
    connection.exec_driver_sql("TRUNCATE snapshot_papers")
    return inserted


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _select_in(connection: Connection, template: str, values: Sequence) -> Iterator[tuple]:
    """Rows of `template` (its `{}` the test "column is one of values") for `values`: one
    array parameter on PostgreSQL (`= ANY`, which walks the column's index), SQLite's bounded
    number of placeholders per statement."""
    if not values:
        return
    if connection.dialect.name == "postgresql":
        yield from connection.exec_driver_sql(template.format("= ANY(%s::text[])"), (list(values),))
        return
    for chunk in _chunks(values, SQLITE_CHUNK):
        placeholders = ", ".join("?" * len(chunk))
        yield from connection.exec_driver_sql(template.format(f"IN ({placeholders})"), tuple(chunk))


def _load_stored(connection: Connection, keys: list[str], source_id: int) -> dict[str, Stored]:
    blanks = ", ".join(f"p.{name} IS NULL" for name in PAPER_FIELDS)
    template = (
        f"SELECT p.id, p.key, p.arxiv_id, p.doi, p.version, p.published_on, {blanks}, "
        "EXISTS (SELECT 1 FROM paper_listings l WHERE l.paper_id = p.id "
        f"AND l.source_id = {int(source_id)}) FROM papers p WHERE p.key {{}}"
    )
    found: dict[str, Stored] = {}
    for row in _select_in(connection, template, keys):
        paper_id, key, arxiv_id, doi, version, published_on, *flags = row
        listed = flags.pop()
        if isinstance(published_on, str):
            published_on = date.fromisoformat(published_on)
        missing = frozenset(name for name, blank in zip(PAPER_FIELDS, flags, strict=True) if blank)
        paper = StoredPaper(paper_id, arxiv_id, doi, version, published_on, missing)
        found[key] = Stored(paper, bool(listed))
    return found


def _dois_taken(connection: Connection, dois: list[str | None]) -> set[str]:
    wanted = sorted({d for d in dois if d})
    template = "SELECT doi FROM papers WHERE doi {}"
    return {row[0] for row in _select_in(connection, template, wanted)}


def _author_ids(connection: Connection, keys: list[str]) -> dict[str, int]:
    template = "SELECT match_key, id FROM authors WHERE match_key {}"
    return {key: author_id for key, author_id in _select_in(connection, template, keys)}


def _insert_authors(connection: Connection, authors: list[tuple[str, str]]) -> dict[str, int]:
    """Insert (name, match key) pairs not stored; ids by match key."""
    if not authors:
        return {}
    if connection.dialect.name == "postgresql":
        names, keys = zip(*authors, strict=True)
        rows = connection.exec_driver_sql(
            "INSERT INTO authors (name, match_key) SELECT * FROM unnest(%s::text[], %s::text[]) "
            "ON CONFLICT (match_key) DO NOTHING RETURNING match_key, id",
            (list(names), list(keys)),
        )
        ids = dict(rows.fetchall())
        ids.update(_author_ids(connection, [k for k in keys if k not in ids]))
        return ids
    first = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM authors").scalar()
    rows = [(first + i, name, key) for i, (name, key) in enumerate(authors, start=1)]
    connection.exec_driver_sql(_insert_sql("authors", ("id", "name", "match_key")), rows)
    return {key: author_id for author_id, _, key in rows}
