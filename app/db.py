"""Engine, sessions, schema upgrades, source locks and `one_of` (full-text search: app.search)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    ColumnElement,
    Engine,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# Found through the package (installed as app.migrations), never the working directory.
MIGRATIONS_DIR = Path(str(files("app.migrations")))


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    `read_only` engines (the web role, which never writes) begin plain deferred SQLite
    transactions, so concurrent page reads run side by side instead of queueing on the write lock.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite_read if read_only else _begin_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling is switched off so that BEGIN is ours (see _begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_sqlite(connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking
    # on a read-then-write upgrade (SQLite's SQLITE_BUSY on lock promotion).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_sqlite_read(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (page code never lazy-loads)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def is_postgres(engine_or_session: Engine | Session) -> bool:
    """Whether we talk to PostgreSQL (advisory locks, row locks, COPY)."""
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "postgresql"


def one_of(session: Session, column, values) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL one array parameter (`= ANY(:v)`), so a long list is not
    hundreds of placeholders that the driver re-parses on every statement."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def among_bound_ids(column, postgres: bool) -> ColumnElement[bool]:
    """`column` among the ids bound later as `ids`, for a statement built once and run per
    request (`one_of` builds a new one each time): one array parameter on PostgreSQL, an
    expanding IN on SQLite."""
    if postgres:
        return column == any_(bindparam("ids", type_=ARRAY(column.type)))
    return column.in_(bindparam("ids", expanding=True))


def alembic_config(url: str) -> Config:
    """Alembic configuration found through the package, so the CLI works from any directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_schema(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest)."""
    command.upgrade(alembic_config(url), revision)


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration (workers refuse to run otherwise)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def downgrade_schema(url: str, revision: str) -> None:
    """Take the schema back to `revision`."""
    command.downgrade(alembic_config(url), revision)


SOURCE_LOCK_NAMESPACE = 0x41480001  # first key of pg advisory locks taken on sources ("AH")


@contextmanager
def source_lock(engine: Engine, source_id: int) -> Iterator[bool]:
    """Hold an exclusive, non-waiting lock on one source for a whole poll; yields whether we got it.

    PostgreSQL: a session advisory lock on a dedicated connection, shared by every process and
    machine using the database. SQLite: an flock on a file beside the database (one machine).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            args = {"ns": SOURCE_LOCK_NAMESPACE, "id": source_id}
            got = connection.execute(text("SELECT pg_try_advisory_lock(:ns, :id)"), args).scalar()
            connection.commit()
            try:
                yield bool(got)
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:ns, :id)"), args)
                    connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    with _file_lock(Path(f"{database}.source-{source_id}.lock")) as got:
        yield got


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    import fcntl

    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
