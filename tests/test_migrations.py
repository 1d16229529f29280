"""Migrations are the truth: they must build exactly the models' schema, and run both ways."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from app.config import normalise_database_url
from app.db import downgrade_schema, make_engine, upgrade_schema
from app.models import Base

SCHEMA = "migration_check"


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path):
    """An empty database of its own: a SQLite file, or a PostgreSQL schema on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    base = os.environ.get("ACADEMICHUB_TEST_DATABASE_URL")
    if not base:
        pytest.skip("ACADEMICHUB_TEST_DATABASE_URL is not set")
    base = normalise_database_url(base)
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{SCHEMA}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()


def _differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
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
