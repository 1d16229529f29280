"""The bulk import's statements, per database: sqlite3 `executemany`, PostgreSQL `COPY` and
array parameters, and the value formats each expects."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime

from psycopg.errors import UniqueViolation
from sqlalchemy import Connection

SQLITE_CHUNK = 900
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
BYLINE_COLUMNS = ("paper_id", "position", "author_id", "affiliation")
CATEGORY_COLUMNS = ("paper_id", "category", "position")


def placeholders(connection: Connection, template: str, count: int) -> str:
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    return template.format(", ".join([mark] * count))


def insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def sqlite_value(value):
    """The text SQLAlchemy's SQLite types store (UTC datetimes without zone, ISO dates)."""
    if isinstance(value, datetime):
        return sqlite_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_paper_row(row: tuple, now: datetime, now_text: str) -> tuple:
    """A papers row without its id, its dates and datetimes as SQLite stores them."""
    values = list(row)
    for index in _PAPER_DATETIMES:
        value = values[index]
        values[index] = now_text if value is now else sqlite_datetime(value)
    day = values[_PAPER_DAY]
    values[_PAPER_DAY] = day.isoformat() if day else None
    return tuple(values)


_PAPER_DATETIMES = [
    PAPER_COLUMNS.index(c) - 1 for c in ("submitted_at", "updated_at", "created_at", "modified_at")
]
_PAPER_DAY = PAPER_COLUMNS.index("published_on") - 1


def bulk_write(connection: Connection, table: str, columns: Sequence[str], rows: list) -> None:
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        with _cursor(connection).copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if any(isinstance(value, date) for value in rows[0]):
        rows = [tuple(map(sqlite_value, row)) for row in rows]
    connection.exec_driver_sql(insert_sql(table, columns), rows)


@contextmanager
def trusted_rows(connection: Connection, skip_checks: bool) -> Iterator[None]:
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


def reserve_ids(connection: Connection, sequence: str, count: int) -> list[int]:
    statement = f"SELECT nextval('{sequence}') FROM generate_series(1, %s)"
    return [row[0] for row in connection.exec_driver_sql(statement, (count,))]


def copy_papers(connection: Connection, ids: list[int], rows: list[tuple]) -> set[int]:
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


def select_in(connection: Connection, template: str, values: Sequence) -> Iterator[tuple]:
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


def dois_taken(connection: Connection, dois: list[str | None]) -> set[str]:
    """Which of `dois` a stored paper holds, as its own DOI or its journal version's (twins)."""
    wanted = sorted({d for d in dois if d})
    taken = {row[0] for row in select_in(connection, "SELECT doi FROM papers WHERE doi {}", wanted)}
    template = "SELECT journal_doi FROM papers WHERE journal_doi {}"
    return taken | {row[0] for row in select_in(connection, template, wanted)}


def author_ids(connection: Connection, keys: list[str]) -> dict[str, int]:
    template = "SELECT match_key, id FROM authors WHERE match_key {}"
    return {key: author_id for key, author_id in select_in(connection, template, keys)}


def insert_authors(connection: Connection, authors: list[tuple[str, str]]) -> dict[str, int]:
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
        ids.update(author_ids(connection, [k for k in keys if k not in ids]))
        return ids
    first = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM authors").scalar()
    rows = [(first + i, name, key) for i, (name, key) in enumerate(authors, start=1)]
    connection.exec_driver_sql(insert_sql("authors", ("id", "name", "match_key")), rows)
    return {key: author_id for author_id, _, key in rows}
