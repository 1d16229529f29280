"""Pausing the full-text index for a bulk load, and bringing it back.

Keeping the index live costs more than the load itself: SQLite's FTS5 triggers index every
inserted row, and PostgreSQL computes the stored tsvector (~75 µs for a 1,100-character abstract)
and updates the GIN index per row. A bulk import pauses both and rebuilds once at the end, which
is the "index build" figure of bench/import.py.

Paused means: SQLite without the three `papers_fts_*` triggers; PostgreSQL with `search_vector` a
plain column (`DROP EXPRESSION`, a catalogue change, no rewrite) and no GIN index. While paused,
search misses papers written since the pause. `restore_search_index` (which `academichub index
rebuild` runs first) brings back exactly what migration 0002 built. The definitions are repeated
from 0002 on purpose: a migration is frozen, the app owns its copy.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

FTS_TRIGGERS = {
    "papers_fts_insert": "CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN "
    "INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); "
    "END",
    "papers_fts_delete": "CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN "
    "INSERT INTO papers_fts(papers_fts, rowid, title, abstract) "
    "VALUES ('delete', old.id, old.title, old.abstract); "
    "END",
    "papers_fts_update": "CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract ON "
    "papers BEGIN "
    "INSERT INTO papers_fts(papers_fts, rowid, title, abstract) "
    "VALUES ('delete', old.id, old.title, old.abstract); "
    "INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); "
    "END",
}
SEARCH_VECTOR_EXPRESSION = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')"
)
SEARCH_INDEX_SQL = "CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)"


def search_index_paused(connection: Connection) -> bool:
    """Whether a bulk load paused the index (and nothing has restored it yet)."""
    if connection.dialect.name == "postgresql":
        generated = connection.exec_driver_sql(
            "SELECT attgenerated FROM pg_attribute "
            "WHERE attrelid = 'papers'::regclass AND attname = 'search_vector'"
        ).scalar()
        return generated != "s"
    names = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'papers'"
    ).scalars()
    return not set(FTS_TRIGGERS) <= set(names)


def pause_search_index(connection: Connection) -> None:
    """Stop maintaining the index row by row (inside the caller's transaction)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_papers_search_vector")
        if not search_index_paused(connection):
            connection.exec_driver_sql(
                "ALTER TABLE papers ALTER COLUMN search_vector DROP EXPRESSION"
            )
        return
    for name in FTS_TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def restore_search_index(engine: Engine) -> bool:
    """Bring a paused index back to migration 0002's shape; returns whether it was paused.

    SQLite gets its triggers back (the caller then rebuilds FTS5 from the table). PostgreSQL
    regenerates every row's tsvector (one table rewrite) and builds the GIN index once.
    """
    with engine.begin() as connection:
        if not search_index_paused(connection):
            return False
        if connection.dialect.name == "postgresql":
            # GIN builds sort in memory: the default 64 MB spills to disk at a million papers.
            connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            connection.exec_driver_sql("DROP INDEX IF EXISTS ix_papers_search_vector")
            connection.exec_driver_sql("ALTER TABLE papers DROP COLUMN search_vector")
            connection.exec_driver_sql(
                "ALTER TABLE papers ADD COLUMN search_vector tsvector "
                f"GENERATED ALWAYS AS ({SEARCH_VECTOR_EXPRESSION}) STORED"
            )
            connection.exec_driver_sql(SEARCH_INDEX_SQL)
        else:
            for name, statement in FTS_TRIGGERS.items():
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
                connection.exec_driver_sql(statement)
    return True
