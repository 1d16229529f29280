"""TF-IDF vectors (pure): what a paper's vector holds, cosines, shared terms, the library index."""

from __future__ import annotations

import math
import random

import pytest

from app.radar.stats import build_stats, count_documents
from app.radar.vectors import (
    MAX_TERMS,
    VectorIndex,
    cosine,
    paper_vector,
    shared_terms,
)
from app.text_terms import readable_term, surface_forms, term_counts
from tests.briefings.papers import recorded_records


@pytest.fixture(scope="module")
def recorded():
    """The recorded feed's papers with abstracts, and term statistics over all of them."""
    records = [r for r in recorded_records() if r.abstract]
    docs, documents = count_documents(f"{r.title}. {r.abstract}" for r in records)
    return records, build_stats(docs, documents, key="test")


def test_phrases_stop_at_punctuation_and_compounds_count_their_parts():
    counts = term_counts("Graph networks. Networks of graphs; EEG-based decoding (trust regions)")
    assert counts["graph network"] == 1
    assert "network network" not in counts  # across the full stop
    assert counts["network"] == 2 and counts["graph"] == 2
    assert counts["eeg-based"] == 1 and counts["eeg"] == 1
    assert counts["trust region"] == 1  # "regions" folds to "region"


def test_stems_are_shown_as_words():
    forms = surface_forms(["We remove the bias of a lens.", "A bias-free estimate"])
    assert readable_term("bia", forms) == "bias"
    assert readable_term("len", forms) == "lens"
    assert readable_term("network", forms) == "network"  # not in the texts: stays as is


def test_vectors_are_unit_length_bounded_and_heaviest_first(recorded):
    records, stats = recorded
    for record in records[:50]:
        vector = paper_vector(record.title, record.abstract, stats)
        assert 0 < len(vector.terms) <= MAX_TERMS
        assert math.isclose(sum(w * w for w in vector.weights), 1.0, rel_tol=1e-5)
        assert list(vector.weights) == sorted(vector.weights, reverse=True)


def test_a_title_word_weighs_more_than_the_same_word_in_the_abstract(recorded):
    _, stats = recorded
    in_title = paper_vector("Spectral sparsification", "We study graphs and cuts.", stats)
    in_abstract = paper_vector("Graphs and cuts", "We study spectral sparsification.", stats)
    title_weights, abstract_weights = in_title.as_dict(), in_abstract.as_dict()
    assert title_weights["sparsification"] > abstract_weights["sparsification"]
    assert abstract_weights["cut"] > title_weights["cut"]


def test_rare_terms_weigh_more_than_common_ones(recorded):
    _, stats = recorded
    assert stats.idf("never-seen") > stats.idf("eeg") > stats.idf("learning") >= 1.0
    vector = paper_vector("Learning from EEG", "", stats).as_dict()
    assert vector["eeg"] > vector["learning"]


def test_phrases_count_only_when_the_corpus_uses_them(recorded):
    _, stats = recorded
    assert "neural network" in stats.docs
    vector = paper_vector("Neural networks for accurate zebrafish counting", "", stats)
    assert "neural network" in vector.terms
    assert "accurate zebrafish" not in vector.terms  # a one-off run of words
    assert "zebrafish" in vector.terms


def test_cosine_finds_near_duplicates_and_shared_terms_say_why(recorded):
    records, stats = recorded
    eeg = next(r for r in records if r.title.startswith("EEG-DCNet"))
    original = paper_vector(eeg.title, eeg.abstract, stats)
    reworded = paper_vector(
        "EEG-DCNet: a dilated CNN for fast motor imagery EEG classification",
        eeg.abstract[: len(eeg.abstract) // 2],
        stats,
    )
    others = [paper_vector(r.title, r.abstract, stats) for r in records[:200] if r is not eeg]
    assert cosine(original, reworded) > 0.6
    assert cosine(original, reworded) > max(cosine(original, other) for other in others)
    assert math.isclose(cosine(original, original), 1.0, rel_tol=1e-5)
    shared = shared_terms(original, reworded, 4)
    assert "eeg" in shared or "eeg-dcnet" in shared
    assert len(shared) == 4 and len(set(shared)) == 4


def test_shared_terms_drop_words_inside_a_chosen_phrase(recorded):
    _, stats = recorded
    a = paper_vector("Trust region policy optimization", "Trust region methods.", stats)
    b = paper_vector("Trust region methods for policy optimization", "", stats)
    shared = shared_terms(a, b, 6)
    for phrase in (t for t in shared if " " in t):
        assert not any(word in shared for word in phrase.split())


def test_the_library_index_counts_like_pairwise_cosines(recorded):
    records, stats = recorded
    vectors = [paper_vector(r.title, r.abstract, stats) for r in records[:300]]
    library = list(enumerate(vectors[:120]))
    index = VectorIndex(library)
    rng = random.Random(4)
    for candidate_id in rng.sample(range(300), 40):
        candidate = vectors[candidate_id]
        for threshold in (0.05, 0.1, 0.2):
            expected = sum(
                1
                for paper_id, vector in library
                if paper_id != candidate_id and cosine(candidate, vector) >= threshold - 1e-6
            )
            found = index.count_near(candidate, threshold, exclude=candidate_id)
            assert abs(found - expected) <= 1  # float32 rounding at the threshold
