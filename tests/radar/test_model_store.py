"""Each person's stored model: trained, updated after each change, explained (both databases)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import transaction
from app.models import Paper, UserModel
from app.radar.model_store import (
    load_model,
    model_memory,
    model_top_terms,
    retrain_model,
    update_model,
)
from app.radar.stats_store import current_stats
from app.radar.vector_store import paper_vectors
from tests.radar.papers import by_archive, store_days
from tests.radar.people import NOW, add_user, mark, save, unsave


@pytest.fixture
def papers(seeder):
    """Quantum papers (the person's interest) and others, over two days."""
    quantum = by_archive("quant-ph", 30)
    others = by_archive("astro-ph", 30) + by_archive("math", 30)
    ids = store_days(seeder, others[:30] + quantum[:15], others[30:] + quantum[15:])
    return [ids[r.arxiv_id] for r in quantum], [ids[r.arxiv_id] for r in others]


def _update(session_factory, user_id, minutes: int = 0):
    with transaction(session_factory) as session:
        return update_model(session, user_id, now=NOW + timedelta(minutes=minutes))


def _probability(session_factory, user_id, paper_id) -> float:
    with session_factory() as session:
        model = load_model(session, user_id)
        vector = paper_vectors(session, [paper_id], current_stats(session))[paper_id]
        return model.probability(vector)


def test_the_first_save_trains_and_later_saves_update(session_factory, papers):
    quantum, _ = papers
    user = add_user(session_factory)
    save(session_factory, user, *quantum[:5])
    first = _update(session_factory, user)
    assert first.retrained and first.positives == 5 and first.weights > 0
    newcomer = quantum[5]
    before = _probability(session_factory, user, newcomer)
    save(session_factory, user, newcomer)
    second = _update(session_factory, user, minutes=1)
    assert not second.retrained and second.positives == 6
    assert _probability(session_factory, user, newcomer) > before
    with session_factory() as session:
        row = session.get(UserModel, user)
        assert row.positives == 6 and row.updated_at == NOW + timedelta(minutes=1)
        assert newcomer in json.loads(row.body)["positives"]


def test_the_model_ranks_the_persons_topic_first(session_factory, papers):
    quantum, others = papers
    user = add_user(session_factory)
    save(session_factory, user, *quantum[:10])
    _update(session_factory, user)
    held_out = [_probability(session_factory, user, i) for i in quantum[10:20]]
    rest = [_probability(session_factory, user, i) for i in others[:20]]
    assert sorted(held_out)[len(held_out) // 2] > sorted(rest)[len(rest) // 2]


def test_unsaving_and_not_interested_change_the_labels(session_factory, papers):
    quantum, others = papers
    user = add_user(session_factory)
    save(session_factory, user, *quantum[:6])
    _update(session_factory, user)
    unsave(session_factory, user, quantum[0])
    mark(session_factory, user, "not_interested", others[0], others[1])
    mark(session_factory, user, "seen", others[2])  # seen is no label
    summary = _update(session_factory, user, minutes=1)
    assert not summary.retrained
    assert (summary.positives, summary.negatives) == (5, 2)
    with session_factory() as session:
        model = load_model(session, user)
    assert quantum[0] not in model.positives and set(model.negatives) == {others[0], others[1]}


def test_nothing_changed_means_nothing_written(session_factory, papers):
    quantum, _ = papers
    user = add_user(session_factory)
    save(session_factory, user, *quantum[:3])
    _update(session_factory, user)
    again = _update(session_factory, user, minutes=5)
    assert not again.retrained and again.updated_at == NOW


def test_a_large_change_retrains(session_factory, papers):
    quantum, _ = papers
    user = add_user(session_factory)
    save(session_factory, user, *quantum[:2])
    _update(session_factory, user)
    save(session_factory, user, *quantum[2:25])  # an imported library
    assert _update(session_factory, user, minutes=1).retrained


def test_an_unreadable_stored_model_is_retrained(session_factory, papers):
    quantum, _ = papers
    user = add_user(session_factory)
    save(session_factory, user, *quantum[:3])
    _update(session_factory, user)
    with transaction(session_factory) as session:
        session.get(UserModel, user).body = '{"format": 0}'
    summary = _update(session_factory, user, minutes=1)
    assert summary.retrained and summary.positives == 3


def test_retraining_with_an_empty_library_leaves_a_model_that_scores_nothing(
    session_factory, papers
):
    quantum, _ = papers
    user = add_user(session_factory)
    save(session_factory, user, quantum[0])
    _update(session_factory, user)
    unsave(session_factory, user, quantum[0])
    with transaction(session_factory) as session:
        summary = retrain_model(session, user, now=NOW + timedelta(minutes=1))
    assert summary.positives == 0 and summary.weights == 0
    with session_factory() as session:
        assert not load_model(session, user).trained
        assert model_top_terms(session, user) == []


def test_top_terms_are_written_as_the_saved_papers_write_them(session_factory, papers):
    quantum, _ = papers
    user = add_user(session_factory)
    save(session_factory, user, *quantum[:10])
    _update(session_factory, user)
    with session_factory() as session:
        top = model_top_terms(session, user, limit=15)
        texts = " ".join(
            f"{title} {abstract}".lower()
            for title, abstract in session.execute(
                select(Paper.title, Paper.abstract).where(Paper.id.in_(quantum[:10]))
            )
        )
    assert len(top) == 15 and "quantum" in [term for term, _ in top[:5]]
    assert [w for _, w in top] == sorted((w for _, w in top), reverse=True)
    for term, _ in top:
        assert all(word in texts for word in term.split()), term


def test_memory_of_a_model_is_reported(session_factory, papers):
    quantum, _ = papers
    user = add_user(session_factory)
    with session_factory() as session:
        assert model_memory(session, user) is None
    save(session_factory, user, *quantum[:10])
    _update(session_factory, user)
    with session_factory() as session:
        memory = model_memory(session, user)
        body = session.get(UserModel, user).body
    assert memory.stored_bytes == len(body.encode())
    assert memory.loaded_bytes > memory.stored_bytes
