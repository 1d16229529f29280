"""The radar's decisions (pure): which of a range's papers a person sees, in what order, and why.

A paper is there for its reasons: a followed author on its byline, a followed keyword in its
title or abstract, a followed category or source, saved papers it is similar to (cosine at least
SIMILAR_COSINE), or the learned model's confidence, shown as "might interest you" with the terms
that raised it. The model is confident at probability MODEL_REASON_PROBABILITY (its own decision
threshold: classes are balanced), or, for a model still learning from a few saves, when a paper
is among the range's top MODEL_REASON_TOP_SHARE and MODEL_REASON_LIFT times the median: so a
person with saves but no follows still has a radar. A paper with no reason is left out.
Each reason adds points; the model adds MODEL_POINTS times its probability to every paper it
scores; ties go to the lower paper id, so the order is the same on every run and database.

Hidden: papers a mute rule matches, papers marked "not interested", and seen papers when the
person hides them. Saved papers stay, so saving a card never makes it vanish on the next visit:
they are scored like any other paper, never count as "similar" to themselves, get no model
reason (the model learned them), and carry "in your library" as their last reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.radar.model import LinearModel
from app.radar.rules import RuleSet
from app.radar.vectors import TermVector, VectorIndex
from app.text_terms import readable_term, surface_forms

AUTHOR_POINTS = 4.0
TITLE_POINTS = 3.0
ABSTRACT_POINTS = 1.5
CATEGORY_POINTS = 1.0
SOURCE_POINTS = 1.0
SIMILAR_POINTS = 1.0  # per similar saved paper, up to SIMILAR_COUNTED
SIMILAR_COUNTED = 3
SIMILAR_COSINE = 0.2  # on real feeds, a paper's nearest neighbour of the day is ~0.15 (median)
MODEL_POINTS = 3.0
MODEL_REASON_PROBABILITY = 0.5
MODEL_REASON_TOP_SHARE = 0.05
MODEL_REASON_LIFT = 1.5
MODEL_REASON_TERMS = 2
IN_LIBRARY = "in your library"


@dataclass(frozen=True)
class Candidate:
    """A paper listed in the range, with what the rules and the model look at."""

    paper_id: int
    title: str
    abstract: str
    authors: tuple[tuple[str, str], ...]  # (match key, name as printed), byline order
    categories: tuple[str, ...]
    sources: tuple[int, ...]  # the sources that listed it in the range
    vector: TermVector


@dataclass(frozen=True)
class RadarEntry:
    """One paper of a person's radar: its score and the reasons it is there, strongest first."""

    paper_id: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RadarProfile:
    """Everything about the person the ranking needs, as plain values."""

    follows: RuleSet
    mutes: RuleSet
    hidden: frozenset[int]  # "not interested", and "seen" when hidden
    library: VectorIndex  # saved papers
    saved: frozenset[int]
    model: LinearModel | None
    source_labels: Mapping[int, str]


def rank_candidates(candidates: Sequence[Candidate], profile: RadarProfile) -> list[RadarEntry]:
    """The radar: every candidate with a reason, best first (ties: lower paper id first)."""
    model = profile.model if profile.model is not None and profile.model.trained else None
    shown = [
        c for c in candidates if c.paper_id not in profile.hidden and not is_muted(c, profile.mutes)
    ]
    probabilities = [model.probability(c.vector) for c in shown] if model is not None else []
    confident = confidence_threshold(probabilities)
    entries = []
    for position, candidate in enumerate(shown):
        points, reasons = follow_reasons(candidate, profile.follows, profile.source_labels)
        near = profile.library.count_near(candidate.vector, SIMILAR_COSINE, candidate.paper_id)
        if near:
            points += SIMILAR_POINTS * min(near, SIMILAR_COUNTED)
            reasons.append(f"similar to {near} paper{'s' if near > 1 else ''} you saved")
        saved = candidate.paper_id in profile.saved
        if model is not None:
            probability = probabilities[position]
            points += MODEL_POINTS * probability
            if probability >= confident and not saved:
                reasons.append(model_reason(candidate, model))
        if saved:
            reasons.append(IN_LIBRARY)
        if reasons:
            entries.append(RadarEntry(candidate.paper_id, round(points, 6), tuple(reasons)))
    entries.sort(key=lambda entry: (-entry.score, entry.paper_id))
    return entries


def confidence_threshold(probabilities: Sequence[float]) -> float:
    """The probability at which the model's reason is given, over the range's probabilities."""
    if not probabilities:
        return MODEL_REASON_PROBABILITY
    ranked = sorted(probabilities)
    top = ranked[min(int((1.0 - MODEL_REASON_TOP_SHARE) * len(ranked)), len(ranked) - 1)]
    lifted = MODEL_REASON_LIFT * ranked[len(ranked) // 2]
    return min(MODEL_REASON_PROBABILITY, max(top, lifted))


def is_muted(candidate: Candidate, mutes: RuleSet) -> bool:
    """Whether any mute rule matches the paper."""
    return (
        any(key in mutes.authors for key, _ in candidate.authors)
        or bool(mutes.categories_of(candidate.categories))
        or any(source in mutes.sources for source in candidate.sources)
        or bool(mutes.keywords_in(candidate.title) or mutes.keywords_in(candidate.abstract))
    )


def follow_reasons(
    candidate: Candidate, follows: RuleSet, source_labels: Mapping[int, str]
) -> tuple[float, list[str]]:
    """Points and reasons from the person's follows, in a fixed order of kinds."""
    points, reasons = 0.0, []
    for key, name in candidate.authors:
        if key in follows.authors:
            points += AUTHOR_POINTS
            reasons.append(f"you follow {name}")
    in_title = follows.keywords_in(candidate.title)
    for keyword in in_title:
        points += TITLE_POINTS
        reasons.append(f"matches '{keyword}' in the title")
    for keyword in follows.keywords_in(candidate.abstract):
        if keyword not in in_title:
            points += ABSTRACT_POINTS
            reasons.append(f"matches '{keyword}' in the abstract")
    for code in follows.categories_of(candidate.categories):
        points += CATEGORY_POINTS
        reasons.append(f"in {code}, which you follow")
    for source in sorted(set(candidate.sources) & follows.sources):
        points += SOURCE_POINTS
        label = source_labels.get(source, f"source {source}")
        reasons.append(f"from {label}, which you follow")
    return points, reasons


def model_reason(candidate: Candidate, model: LinearModel) -> str:
    """ "might interest you: 'a', 'b'" with the terms that raised the paper's score most, written
    as the paper writes them."""
    terms = model.contributions(candidate.vector, MODEL_REASON_TERMS)
    if not terms:
        return "might interest you"
    forms = surface_forms([f"{candidate.title}. {candidate.abstract}"])
    quoted = ", ".join(f"'{readable_term(term, forms)}'" for term in terms)
    return f"might interest you: {quoted}"
