"""The radar's decisions (pure): every reason, every exclusion, the order."""

from __future__ import annotations

import pytest

from app.radar.model import fit_model
from app.radar.rules import FollowRule, build_highlights, build_rule_set, keyword_pattern
from app.radar.scoring import (
    IN_LIBRARY,
    Candidate,
    RadarEntry,
    RadarProfile,
    rank_candidates,
)
from app.radar.stats import build_stats, count_documents
from app.radar.vectors import VectorIndex, paper_vector
from app.text import author_match_key

TEXTS = {
    1: ("Trust region policy optimization", "We bound the policy update with a trust region."),
    2: ("Spectral graph sparsification", "Cuts and Laplacians of sparse graphs."),
    3: ("Galaxy rotation curves", "Dark matter halos explain flat rotation curves."),
    4: ("Trust-region methods revisited", "Second-order optimization with trust regions."),
    5: ("Quantum error correction", "Surface codes protect logical qubits from noise."),
    6: ("Proximal policy optimization at scale", "Clipped objectives for policy gradients."),
}
STATS = build_stats(*count_documents(f"{t}. {a}" for t, a in TEXTS.values()), key="t")


def candidate(paper_id: int, *, authors=(), categories=("cs.LG",), sources=(1,)) -> Candidate:
    title, abstract = TEXTS[paper_id]
    return Candidate(
        paper_id=paper_id,
        title=title,
        abstract=abstract,
        authors=tuple((author_match_key(name), name) for name in authors),
        categories=tuple(categories),
        sources=tuple(sources),
        vector=paper_vector(title, abstract, STATS),
    )


def rule(kind: str, value: str, *, muted: bool = False) -> FollowRule:
    key = {"author": author_match_key(value), "keyword": " ".join(value.lower().split())}
    return FollowRule(kind, value, key.get(kind, value), muted)


def profile(rules=(), *, hidden=(), saved=(), model=None, labels=None) -> RadarProfile:
    library = [(i, candidate(i).vector) for i in saved]
    return RadarProfile(
        follows=build_rule_set(r for r in rules if not r.muted),
        mutes=build_rule_set(r for r in rules if r.muted),
        hidden=frozenset(hidden),
        library=VectorIndex(library),
        saved=frozenset(saved),
        model=model,
        source_labels=labels or {},
    )


def reasons_of(entries: list[RadarEntry]) -> dict[int, tuple[str, ...]]:
    return {entry.paper_id: entry.reasons for entry in entries}


def test_a_followed_author_is_a_reason_in_the_bylines_spelling():
    papers = [
        candidate(1, authors=["Zichen Liu", "Ada Lovelace"]),
        candidate(2, authors=["Zichen Li"]),
    ]
    entries = rank_candidates(papers, profile([rule("author", "zichen  LIU")]))
    assert reasons_of(entries) == {1: ("you follow Zichen Liu",)}


def test_keywords_match_on_word_boundaries_in_title_then_abstract():
    papers = [candidate(i) for i in TEXTS]
    entries = rank_candidates(
        papers, profile([rule("keyword", "Trust Region"), rule("keyword", "cut")])
    )
    assert reasons_of(entries) == {
        1: ("matches 'Trust Region' in the title",),  # in both: the title says it
        4: ("matches 'Trust Region' in the abstract",),  # "Trust-region" title: "trust regions"
        2: ("matches 'cut' in the abstract",),  # "Cuts": the plural matches
    }


def test_a_keyword_never_matches_inside_a_word():
    assert keyword_pattern("graph").search("spectral graphs") is not None
    assert keyword_pattern("graph").search("paragraph and graphene") is None
    assert keyword_pattern("trust region").search("TRUST\n REGION") is not None


def test_followed_categories_and_sources_are_reasons():
    papers = [
        candidate(3, categories=("astro-ph.GA",), sources=(7,)),
        candidate(5, categories=("quant-ph",)),
    ]
    rules = [rule("category", "astro-ph.GA"), rule("category", "QUANT-PH"), rule("source", "7")]
    entries = rank_candidates(papers, profile(rules, labels={7: "arXiv astro-ph.GA"}))
    assert reasons_of(entries) == {
        3: ("in astro-ph.GA, which you follow", "from arXiv astro-ph.GA, which you follow"),
        5: ("in QUANT-PH, which you follow",),
    }


def test_similar_saved_papers_are_a_reason_but_never_the_paper_itself():
    papers = [candidate(i) for i in (1, 4, 6, 3)]
    entries = rank_candidates(papers, profile(saved=[1, 6]))
    reasons = reasons_of(entries)
    assert reasons[4] == ("similar to 1 paper you saved",)  # trust region, like paper 1
    assert "similar to 1 paper you saved" in reasons[1]  # paper 6, not itself
    assert reasons[1][-1] == IN_LIBRARY and reasons[6][-1] == IN_LIBRARY
    assert 3 not in reasons  # nothing in common with the library


def test_the_model_explains_a_confident_score_with_its_terms():
    vectors = {i: candidate(i).vector for i in TEXTS}
    model = fit_model(
        [(1, vectors[1]), (6, vectors[6])],
        [],
        [vectors[2], vectors[3], vectors[5]],
        seed=1,
        stats_key="t",
    )
    assert model.probability(vectors[4]) >= 0.5 > model.probability(vectors[3])
    entries = rank_candidates([candidate(i) for i in TEXTS], profile(model=model))
    reasons = reasons_of(entries)
    confident = [i for i, found in reasons.items() if found[0].startswith("might interest you")]
    assert confident and set(confident) <= {1, 4, 6}
    assert "'policy'" in reasons[confident[0]][0] or "'trust region'" in reasons[confident[0]][0]
    assert 3 not in reasons and 5 not in reasons  # unlikely, and no other reason
    # The model adds its confidence to papers with other reasons too.
    with_rule = rank_candidates(
        [candidate(3, authors=["Vera Rubin"]), candidate(2, authors=["Vera Rubin"])],
        profile([rule("author", "Vera Rubin")], model=model),
    )
    assert all(entry.score > 4.0 for entry in with_rule)


@pytest.mark.parametrize(
    ("mute", "hidden_paper"),
    [
        (rule("author", "Ada Lovelace", muted=True), 1),
        (rule("keyword", "dark matter", muted=True), 3),
        (rule("category", "astro-ph.GA", muted=True), 3),
        (rule("source", "9", muted=True), 5),
    ],
)
def test_every_kind_of_mute_hides_a_paper(mute, hidden_paper):
    papers = [
        candidate(1, authors=["Ada Lovelace"]),
        candidate(3, categories=("astro-ph.GA", "cs.LG")),
        candidate(5, sources=(1, 9)),
    ]
    entries = rank_candidates(papers, profile([rule("category", "cs.LG"), mute]))
    assert hidden_paper not in reasons_of(entries)
    assert len(entries) == 2


def test_hidden_papers_are_left_out_whatever_their_reasons():
    papers = [candidate(1, authors=["Ada Lovelace"]), candidate(2, authors=["Ada Lovelace"])]
    entries = rank_candidates(papers, profile([rule("author", "Ada Lovelace")], hidden=[2]))
    assert [entry.paper_id for entry in entries] == [1]


def test_papers_without_a_reason_are_left_out():
    assert rank_candidates([candidate(i) for i in TEXTS], profile()) == []


def test_order_is_by_score_then_paper_id_and_repeatable():
    papers = [candidate(i, authors=["Ada Lovelace"]) for i in (6, 2, 4, 1)]
    rules = [rule("author", "Ada Lovelace"), rule("keyword", "policy")]
    entries = rank_candidates(papers, profile(rules))
    assert [e.paper_id for e in entries] == [1, 6, 2, 4]  # title matches first, then by id
    assert entries[0].score == entries[1].score > entries[2].score == entries[3].score
    assert rank_candidates(list(reversed(papers)), profile(rules)) == entries


def test_highlights_hold_followed_authors_and_keywords_only():
    highlights = build_highlights(
        [
            rule("author", "Zichen Liu"),
            rule("keyword", "Trust Region"),
            rule("keyword", "GAN", muted=True),
        ]
    )
    assert highlights.highlights_author(author_match_key("ZICHEN LIU"))
    assert highlights.keywords == ("trust region",)
    assert highlights.pattern is not None
    assert highlights.pattern.search("Trust regions, again").group() == "Trust regions"
    assert highlights.pattern.search("a GAN") is None
