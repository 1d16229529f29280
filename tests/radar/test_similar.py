"""Similar papers: from the text model through the full-text index (both databases)."""

from __future__ import annotations

from array import array

import pytest
from sqlalchemy import select

from app.db import transaction
from app.models import Paper
from app.radar.similar import affordable_words, query_words, similar_papers
from app.radar.stats import TermStats
from app.radar.stats_store import rebuild_term_statistics
from app.radar.vectors import TermVector
from tests.radar.papers import by_archive, store_days
from tests.radar.people import NOW


@pytest.fixture
def collection(seeder):
    """150 recorded papers over three archives, and a reworded version of one of them."""
    records = by_archive("quant-ph", 50) + by_archive("astro-ph", 50) + by_archive("cs", 50)
    original = next(r for r in records if r.title.startswith("Simulating Vibrational Dynamics"))
    twin = original.model_copy(
        update={
            "arxiv_id": "2411.99002",
            "guid": "twin",
            "title": "Vibrational dynamics simulated on bosonic quantum hardware",
            "abstract": original.abstract[len(original.abstract) // 3 :],
            "url": "https://arxiv.org/abs/2411.99002",
        }
    )
    ids = store_days(seeder, records[:75], [*records[75:], twin])
    return ids, ids[original.arxiv_id], ids[twin.arxiv_id]


def _texts(session_factory, *ids: int) -> list[str]:
    with session_factory() as session:
        rows = session.execute(select(Paper.title, Paper.abstract).where(Paper.id.in_(ids)))
        return [f"{title} {abstract}".lower() for title, abstract in rows]


@pytest.mark.parametrize("stored_statistics", [False, True])
def test_a_near_duplicate_comes_first_with_the_terms_it_shares(
    session_factory, collection, stored_statistics
):
    _, original, twin = collection
    if stored_statistics:
        with transaction(session_factory) as session:
            rebuild_term_statistics(session, now=NOW)
    with session_factory() as session:
        found = similar_papers(session, original)
    assert found[0].paper_id == twin
    assert found[0].score > 0.5 > found[-1].score
    assert original not in {f.paper_id for f in found}
    assert 1 <= len(found) <= 6
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)
    shared = found[0].shared_terms
    assert len(shared) == 4
    texts = _texts(session_factory, original, twin)
    for term in shared:  # written words both papers hold, never a bare stem
        assert all(word in text for word in term.split() for text in texts), term
    assert any(term in ("bosonic", "vibrational", "vibrational dynamics") for term in shared)


def test_similar_papers_share_the_papers_topic(session_factory, collection):
    ids, original, _ = collection
    quantum = {ids[r.arxiv_id] for r in by_archive("quant-ph", 50)}
    with session_factory() as session:
        found = similar_papers(session, original, limit=4)
    assert len(found) == 4
    assert sum(1 for f in found if f.paper_id in quantum or f.paper_id > max(quantum)) >= 3
    for f in found:
        assert f.shared_terms and f.score >= 0.05


def test_limits_and_unknown_papers(session_factory, collection):
    _, original, twin = collection
    with session_factory() as session:
        assert [f.paper_id for f in similar_papers(session, original, limit=1)] == [twin]
        assert similar_papers(session, original, limit=0) == []
        assert similar_papers(session, 10_000_000) == []
        assert similar_papers(session, twin)[0].paper_id == original
        assert similar_papers(session, original) == similar_papers(session, original)


BIG = TermStats(
    documents=10_000,
    docs={"quantum": 900, "state": 700, "qubit": 40, "magic": 4, "graph": 150},
    key="big",
    papers=1_000_000,
)


def _vector(*terms: str) -> TermVector:
    return TermVector(terms, array("f", [1.0 / len(terms) ** 0.5] * len(terms)))


def test_in_a_big_corpus_only_rare_words_are_asked_for():
    # Expected papers at a million: quantum 90,000, state 70,000, graph 15,000, qubit 4,000,
    # magic 400, a word the sample never saw 100.
    assert query_words(_vector("quantum", "qubit", "state", "magic", "unseen"), BIG) == [
        "qubit",
        "magic",
        "unseen",
    ]
    assert query_words(_vector("quantum", "graph", "qubit", "state"), BIG) == ["graph", "qubit"]
    assert query_words(_vector("quantum", "state", "qubit"), BIG) == []  # no pair of rare words
    assert query_words(_vector("quantum magic", "quantum", "magic", "unseen"), BIG) == [
        "magic",
        "unseen",
    ]  # phrases are compared, never asked for
    assert affordable_words(["qubit", "magic", "unseen"], BIG) == ["unseen", "magic"]
