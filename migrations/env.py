"""Alembic environment: runs against the URL the caller configured, in batch mode for SQLite."""

from alembic import context

from app.db import make_engine
from app.models import Base
from app.search import MIGRATION_ONLY_COLUMNS, MIGRATION_ONLY_INDEXES, MIGRATION_ONLY_TABLES

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Keep autogenerate away from the search objects that only migrations manage."""
    if type_ == "table":
        return name not in MIGRATION_ONLY_TABLES
    if type_ == "index":
        return name not in MIGRATION_ONLY_INDEXES
    if type_ == "column":
        return (obj.table.name, name) not in MIGRATION_ONLY_COLUMNS
    return True


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
