"""`academichub index rebuild`, run as a real process: exit 0, a line on stderr, a working index."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import text

from app.curation.daily import PaperFilters, list_papers
from app.db import is_postgres
from tests.curation.seeding import record


def run(db_url: str, tmp_path, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMICHUB_")}
    env.update(ACADEMICHUB_DATABASE_URL=db_url, ACADEMICHUB_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def found(session_factory, q: str) -> list[str]:
    with session_factory() as session:
        return [item.id for item in list_papers(session, PaperFilters(q=q)).items]


def test_index_rebuild(db_url, tmp_path, engine, session_factory, seeder):
    seeder.store([record("2406.00001", "Topological insulators"), record("2406.00002")])
    if not is_postgres(engine):
        # Empty the FTS5 index behind the triggers' back: only a rebuild brings the papers back.
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO papers_fts(papers_fts) VALUES ('delete-all')"))
        assert found(session_factory, "topological") == []
    result = run(db_url, tmp_path, "index", "rebuild")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "full-text index rebuilt over 2 paper(s)" in result.stderr
    assert found(session_factory, "topological") == ["2406.00001"]


def test_index_rebuild_restores_what_a_killed_bulk_import_paused(db_url, tmp_path, engine):
    from app.bulk_indexes import drop_secondary_indexes, missing_secondary_indexes
    from app.search_index import pause_search_index, search_index_paused

    with engine.begin() as connection:
        pause_search_index(connection)
        drop_secondary_indexes(connection)
    result = run(db_url, tmp_path, "index", "rebuild")
    assert result.returncode == 0, result.stderr
    with engine.connect() as connection:
        assert not search_index_paused(connection)
        assert missing_secondary_indexes(connection) == []
