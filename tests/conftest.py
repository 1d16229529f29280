"""Shared fixtures: a real database built from the migrations, on SQLite and PostgreSQL.

Every test that asks for `db_url` runs once per database: SQLite always, PostgreSQL when
ACADEMICHUB_TEST_DATABASE_URL is set (CI sets it). Tables are emptied after each test, because the
code under test owns its transactions and commits them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings, normalise_database_url
from app.db import make_engine, make_session_factory, upgrade_schema
from app.lru import clear_caches
from app.models import Base

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL_ENV = "ACADEMICHUB_TEST_DATABASE_URL"


def _database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(PG_URL_ENV):
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """The per-process caches (app.lru: the radar's, the cards rendered on requests) are keyed
    by ids and times; test databases are emptied and refilled with the same ids and times, so
    each test starts with none."""
    clear_caches()
    yield
    clear_caches()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Settings are cached per process; a test that sets ACADEMICHUB_* for the CLI must not
    leave its database URL to the next test (which may run against the other database)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def _schemas(tmp_path_factory) -> dict[str, str]:
    """Database URLs per backend, each migrated from empty to head once per test session."""
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"}
    if os.environ.get(PG_URL_ENV):
        pg_url = normalise_database_url(os.environ[PG_URL_ENV])
        _drop_everything(pg_url)
        urls["postgresql"] = pg_url
    for url in urls.values():
        upgrade_schema(url)
    return urls


def _drop_everything(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=_database_params())
def db_url(request, _schemas) -> Iterator[str]:
    """A migrated database's URL; its rows are removed after the test."""
    url = _schemas[request.param]
    yield url
    _empty_tables(url)


def _empty_tables(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


SCRATCH_SCHEMA = "scratch_migrations"


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path) -> Iterator[str]:
    """An empty database of its own for migration tests: a SQLite file, or a fresh PostgreSQL
    schema on the test server (reached through search_path), dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    if not os.environ.get(PG_URL_ENV):
        pytest.skip(f"{PG_URL_ENV} is not set")
    base = normalise_database_url(os.environ[PG_URL_ENV])
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{SCRATCH_SCHEMA}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
    admin.dispose()


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def fixture_bytes():
    """Read a recorded document from tests/fixtures by relative path."""

    def read(relative: str) -> bytes:
        return (FIXTURES / relative).read_bytes()

    return read


pytest_plugins = [
    "tests.support.loopback",
    "tests.support.chat_server",
    "tests.support.smtp_server",
    "tests.support.webhook_receiver",
]
