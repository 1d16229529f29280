"""Dialect behaviour of the engine: SQLite writers queue on BEGIN IMMEDIATE, readers do not."""

from __future__ import annotations

import threading

from sqlalchemy import text

from app.db import make_engine


def test_sqlite_readers_are_not_blocked_by_a_writer(tmp_path):
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    writer, reader = make_engine(url), make_engine(url, read_only=True)
    with writer.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    with writer.connect() as holding:
        holding.begin()  # BEGIN IMMEDIATE: holds the write lock
        holding.execute(text("INSERT INTO t VALUES (1)"))
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(_count(reader)), daemon=True)
        thread.start()
        thread.join(timeout=5)
        assert seen == [0], "a read-only transaction waited for the writer"
        holding.rollback()
    writer.dispose()
    reader.dispose()


def _count(engine) -> int:
    with engine.begin() as connection:
        return connection.scalar(text("SELECT count(*) FROM t"))
