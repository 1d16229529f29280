"""A small collection for library tests: the page tests' seeded papers plus a journal article."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import transaction
from app.ingest.sources import add_source as create_source
from app.ingest.store import upsert_papers
from app.models import Paper
from app.schemas import AuthorRecord, PaperRecord
from tests.support.users import add_user
from tests.web.conftest import seeded  # noqa: F401  (the page tests' three papers)
from tests.web.seeding import NOW, THU

JOURNAL_DOI = "10.1038/s41567-024-0001-x"


@pytest.fixture
def journal_paper(session_factory) -> int:
    """A journal article (no arXiv id) with a DOI and the journal's name as its label."""
    with transaction(session_factory) as session:
        source_id = create_source(
            session, "https://journal.example/rss", kind="rss", label="J", every_minutes=60, now=NOW
        ).id
        upsert_papers(
            session,
            [
                PaperRecord(
                    doi=JOURNAL_DOI,
                    title="Quantum {spin} liquids & 100% of $T_c$",
                    abstract="We report…",
                    authors=[AuthorRecord(name="Ludwig van Beethoven"), AuthorRecord(name="Ada")],
                    categories=["Physics"],
                    announced_on=THU,
                    url="https://journal.example/a1",
                )
            ],
            source_id=source_id,
            source_label="Nature Physics",
            now=NOW,
        )
        return session.scalars(select(Paper.id).where(Paper.doi == JOURNAL_DOI)).one()


@pytest.fixture
def paper_ids(session_factory, seeded) -> dict[str, int]:  # noqa: F811
    with session_factory() as session:
        rows = session.execute(select(Paper.arxiv_id, Paper.id).where(Paper.arxiv_id.is_not(None)))
        return dict(rows.all())


@pytest.fixture
def ada(session_factory) -> int:
    return add_user(session_factory, "ada@example.org")


@pytest.fixture
def bob(session_factory) -> int:
    return add_user(session_factory, "bob@example.org")
