"""Migrations are the truth: they must build exactly the models' schema, and run both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from app.db import downgrade_schema, make_engine, upgrade_schema
from app.models import Base
from app.search import MIGRATION_ONLY_COLUMNS, MIGRATION_ONLY_INDEXES, MIGRATION_ONLY_TABLES


def _include_name(name, type_, parent_names) -> bool:
    # Never reflect the FTS5 virtual table and its shadow tables (SQLite): they are no models.
    return not (type_ == "table" and name in MIGRATION_ONLY_TABLES)


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Skip only the named search and read-path objects; anything else still counts as drift."""
    if type_ == "column":
        return (obj.table.name, name) not in MIGRATION_ONLY_COLUMNS
    if type_ == "index":
        return name not in MIGRATION_ONLY_INDEXES
    return True


def _differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        opts = {
            "compare_type": True,
            "include_name": _include_name,
            "include_object": _include_object,
        }
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names()) - {"alembic_version", *MIGRATION_ONLY_TABLES}
    engine.dispose()
    return names


def test_models_and_migrations_agree(scratch_url):
    upgrade_schema(scratch_url)
    assert _differences(scratch_url) == []


def test_upgrade_downgrade_upgrade(scratch_url):
    upgrade_schema(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)
    downgrade_schema(scratch_url, "base")
    assert _tables(scratch_url) == set()
    upgrade_schema(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)
    assert _differences(scratch_url) == []


def test_ignoring_search_objects_still_catches_drift(scratch_url):
    upgrade_schema(scratch_url)
    engine = make_engine(scratch_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE INDEX ix_papers_title_drift ON papers (title)"))
        connection.execute(text("ALTER TABLE papers ADD COLUMN drift INTEGER"))
    engine.dispose()
    found = {(change[0], change[-1].name) for change in _differences(scratch_url)}
    assert found == {("remove_index", "ix_papers_title_drift"), ("remove_column", "drift")}
