"""Dropping the secondary indexes of the paper tables for a bulk load, and building them again.

A B-tree insert at a random place per row and per index is most of what a database spends on a
bulk load. Seven secondary indexes (an author's papers, a category's papers, listings by day,
papers by day and by modification) see ~10 such inserts per paper. Building them once after the
load is a sort, several times cheaper (bench/import.py). Only the bulk import drops them, and
only when it pauses the full-text index too (loading a nearly empty database). Unique indexes
stay: they are what makes a repeated line or a concurrent writer a no-op instead of a
duplicate. `ix_papers_doi` stays too: the import looks papers up by DOI.

Missing indexes are found by name and created with `IF NOT EXISTS` from the models (and, for
PostgreSQL's migration-only `ix_papers_newest`, from migration 0002's definition), so
`restore_secondary_indexes` is safe to run at any time; `academichub index rebuild` runs it.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, Index
from sqlalchemy.schema import CreateIndex

from app.models import Base

BULK_TABLES = ("papers", "paper_authors", "paper_categories", "paper_listings")
KEPT = frozenset({"ix_papers_doi"})
POSTGRESQL_ONLY = {
    "ix_papers_newest": "CREATE INDEX IF NOT EXISTS ix_papers_newest "
    "ON papers (published_on DESC NULLS LAST, id DESC)",
}


def secondary_indexes() -> list[Index]:
    """The model-declared, non-unique indexes a bulk load may drop."""
    return [
        index
        for table in BULK_TABLES
        for index in sorted(Base.metadata.tables[table].indexes, key=lambda i: i.name)
        if not index.unique and index.name not in KEPT
    ]


def _names(connection: Connection) -> list[str]:
    names = [index.name for index in secondary_indexes()]
    return names + (list(POSTGRESQL_ONLY) if connection.dialect.name == "postgresql" else [])


def drop_secondary_indexes(connection: Connection) -> None:
    """Drop them (inside the caller's transaction)."""
    for name in _names(connection):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def missing_secondary_indexes(connection: Connection) -> list[str]:
    """Which of them are not there (a bulk load dropped them and has not finished)."""
    if connection.dialect.name == "postgresql":
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    present = set(connection.exec_driver_sql(query).scalars())
    return [name for name in _names(connection) if name not in present]


def restore_secondary_indexes(engine: Engine) -> bool:
    """Create whichever are missing; returns whether any was."""
    with engine.begin() as connection:
        if not missing_secondary_indexes(connection):
            return False
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in POSTGRESQL_ONLY.values():
                connection.exec_driver_sql(statement)
        for index in secondary_indexes():
            connection.execute(CreateIndex(index, if_not_exists=True))
    return True
