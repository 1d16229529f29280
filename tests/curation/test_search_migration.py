"""Migration 0002 on a database that already holds papers: indexes them; its downgrade removes
every search object it made."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import MetaData, Table, inspect

from app.curation.daily import PaperFilters, list_papers
from app.db import downgrade_schema, make_engine, make_session_factory, upgrade_schema
from app.search import FTS_TABLE, MIGRATION_ONLY_INDEXES, SEARCH_VECTOR


def search_objects(url: str) -> set[str]:
    engine = make_engine(url)
    inspector = inspect(engine)
    found = {name for name in inspector.get_table_names() if name.startswith(FTS_TABLE)}
    found |= {c["name"] for c in inspector.get_columns("papers") if c["name"] == SEARCH_VECTOR}
    indexes = MIGRATION_ONLY_INDEXES | {"ix_papers_modified_at"}
    found |= {i["name"] for i in inspector.get_indexes("papers")} & indexes
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            triggers = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            )
            found |= set(triggers.scalars())
    engine.dispose()
    return found


def seed_at_0001(engine) -> None:
    """One paper in 0001's own columns (reflected): today's store may write later columns."""
    papers = Table("papers", MetaData(), autoload_with=engine)
    at = datetime(2024, 11, 28, 6, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            papers.insert().values(
                key="arxiv:2607.00001",
                arxiv_id="2607.00001",
                version=1,
                title="Superconducting qubits",
                abstract="Plain words about nothing in particular.",
                published_on=date(2024, 11, 28),
                created_at=at,
                modified_at=at,
            )
        )


def test_upgrade_indexes_existing_papers_and_downgrade_removes_it_all(scratch_url):
    upgrade_schema(scratch_url, "0001")
    assert search_objects(scratch_url) == set()
    engine = make_engine(scratch_url)
    sessions = make_session_factory(engine)
    seed_at_0001(engine)
    upgrade_schema(scratch_url)
    assert search_objects(scratch_url) >= {"ix_papers_modified_at"}
    with sessions() as session:
        page = list_papers(session, PaperFilters(q="qubits"))
    assert [item.id for item in page.items] == ["2607.00001"]
    engine.dispose()
    downgrade_schema(scratch_url, "0001")
    assert search_objects(scratch_url) == set()
    upgrade_schema(scratch_url)
    expected = {"ix_papers_modified_at"}
    if scratch_url.startswith("sqlite"):
        expected |= {FTS_TABLE, "papers_fts_insert", "papers_fts_update", "papers_fts_delete"}
    else:
        expected |= {SEARCH_VECTOR, "ix_papers_search_vector", "ix_papers_newest"}
    assert expected <= search_objects(scratch_url)
