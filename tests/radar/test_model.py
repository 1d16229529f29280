"""The learned model (pure): it learns a preference, updates move it the right way, it stores."""

from __future__ import annotations

import random

import pytest

from app.radar.model import (
    MAX_WEIGHTS,
    Change,
    LinearModel,
    ModelFormatError,
    fit_model,
    model_from_json,
    model_to_json,
    strongest,
    update_model,
)
from app.radar.stats import build_stats, count_documents
from app.radar.vectors import paper_vector
from tests.briefings.papers import recorded_records


@pytest.fixture(scope="module")
def labelled():
    """Recorded papers as vectors; positives are quant-ph papers (the person's interest)."""
    records = [r for r in recorded_records() if r.abstract]
    docs, documents = count_documents(f"{r.title}. {r.abstract}" for r in records)
    stats = build_stats(docs, documents, key="test")
    vectors = [paper_vector(r.title, r.abstract, stats) for r in records]
    quantum = [i for i, r in enumerate(records) if r.categories[0] == "quant-ph"]
    others = [i for i, r in enumerate(records) if r.categories[0] != "quant-ph"]
    rng = random.Random(7)
    rng.shuffle(quantum)
    rng.shuffle(others)
    return records, vectors, quantum, others


def _fit(vectors, positives, background, negatives=()):
    return fit_model(
        [(i, vectors[i]) for i in positives],
        [(i, vectors[i]) for i in negatives],
        [vectors[i] for i in background],
        seed=1,
        stats_key="test",
    )


def _auc(model, vectors, positives, negatives) -> float:
    p = [model.probability(vectors[i]) for i in positives]
    n = [model.probability(vectors[i]) for i in negatives]
    return sum(1 for a in p for b in n if a > b) / (len(p) * len(n))


def test_it_learns_a_preference_from_labelled_papers(labelled):
    _, vectors, quantum, others = labelled
    model = _fit(vectors, quantum[:30], others[:300])
    held_out_quantum, held_out_others = quantum[30:], others[300:]
    assert len(held_out_quantum) >= 15
    assert _auc(model, vectors, held_out_quantum, held_out_others) > 0.95
    top = [term for term, _ in model.top_terms(10)]
    assert "quantum" in top[:3]
    assert all(weight < 0 for _, weight in model.top_terms(5, negative=True))


def test_not_interested_papers_push_their_topic_down(labelled):
    records, vectors, quantum, others = labelled
    astro = [i for i in others if records[i].categories[0].startswith("astro-ph")]
    background = [i for i in others[:300] if i not in astro]
    plain = _fit(vectors, quantum[:30], background)
    told = _fit(vectors, quantum[:30], background, negatives=astro[:15])
    unseen_astro = astro[15:]
    assert sum(told.logit(vectors[i]) for i in unseen_astro) < sum(
        plain.logit(vectors[i]) for i in unseen_astro
    )


def test_training_is_deterministic(labelled):
    _, vectors, quantum, others = labelled
    assert _fit(vectors, quantum[:10], others[:100]) == _fit(vectors, quantum[:10], others[:100])


def test_an_update_after_a_save_raises_that_paper_and_its_kind(labelled):
    records, vectors, quantum, others = labelled
    model = _fit(vectors, quantum[:20], others[:200])
    eeg = [i for i in others if "EEG" in records[i].title]
    saved, kin = eeg[0], eeg[1:]
    before = model.probability(vectors[saved]), [model.logit(vectors[i]) for i in kin]
    updated = update_model(
        model,
        Change(saved=[(saved, vectors[saved])]),
        replay=[vectors[i] for i in quantum[:8]],
        background=[vectors[i] for i in others[200:224]],
        seed=3,
    )
    assert updated.probability(vectors[saved]) > before[0] + 0.2
    assert sum(updated.logit(vectors[i]) for i in kin) > sum(before[1])
    assert saved in updated.positives and updated.updates == 1
    assert _auc(updated, vectors, quantum[20:], others[300:]) > 0.9  # it did not forget


def test_updates_for_rejections_and_unsaves_move_scores_down(labelled):
    _, vectors, quantum, others = labelled
    model = _fit(vectors, quantum[:20], others[:200])
    rejected, unsaved = quantum[25], quantum[0]
    moved = update_model(
        model,
        Change(rejected=[(rejected, vectors[rejected])], unsaved=[(unsaved, vectors[unsaved])]),
        replay=[vectors[i] for i in quantum[1:9]],
        background=[vectors[i] for i in others[200:224]],
        seed=4,
    )
    assert moved.probability(vectors[rejected]) < model.probability(vectors[rejected])
    assert moved.probability(vectors[unsaved]) < model.probability(vectors[unsaved])
    assert unsaved not in moved.positives and rejected in moved.negatives


def test_models_round_trip_through_json(labelled):
    _, vectors, quantum, others = labelled
    model = _fit(vectors, quantum[:10], others[:100], negatives=others[100:105])
    again = model_from_json(model_to_json(model))
    assert again.positives == model.positives and again.negatives == model.negatives
    assert again.class_weights == pytest.approx(model.class_weights)
    assert again.weights.keys() == model.weights.keys()
    for i in quantum[10:20]:
        assert again.logit(vectors[i]) == pytest.approx(model.logit(vectors[i]), rel=1e-4)
    assert len(model_to_json(model)) < 150_000  # small: a few thousand weights


def test_a_model_of_another_format_is_refused():
    text = model_to_json(LinearModel()).replace('"format":1', '"format":99')
    with pytest.raises(ModelFormatError):
        model_from_json(text)


def test_only_the_strongest_weights_are_kept():
    weights = {f"t{i}": (-1) ** i * i for i in range(MAX_WEIGHTS + 500)}
    kept = strongest(weights)
    assert len(kept) == MAX_WEIGHTS
    assert min(abs(w) for w in kept.values()) == 500


def test_without_saved_papers_there_is_nothing_to_score_with(labelled):
    _, vectors, _, others = labelled
    model = _fit(vectors, [], others[:50], negatives=others[50:52])
    assert not model.trained and model.negatives
