"""TF-IDF term vectors of papers (pure): title and abstract, the title weighted more.

A vector keeps a paper's MAX_TERMS heaviest terms (words and two-word phrases), L2-normalised: the
tail of an abstract's terms weighs little in a cosine, and short vectors keep the per-process
caches small (about 1 KB a paper) and the dot products fast. Document frequencies come from
app.radar.stats (a sampled table, see there why).
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.radar.stats import ABSENT_DOCS, TermStats
from app.text_terms import term_counts

TITLE_WEIGHT = 3.0  # a title word counts as three abstract words: titles say what a paper is
PHRASE_WEIGHT = 0.7  # two-word phrases are rarer than their words by nature, so idf favours them
MAX_TERMS = 64


@dataclass(frozen=True, slots=True)
class TermVector:
    """Terms heaviest first, with their weights; the weights have unit Euclidean length."""

    terms: tuple[str, ...]
    weights: array  # array('f'), parallel to `terms`

    def as_dict(self) -> dict[str, float]:
        """{term: weight}, for dot products against many vectors."""
        return dict(zip(self.terms, self.weights, strict=True))

    def dot(self, weights: Mapping[str, float]) -> float:
        """The dot product with a {term: weight} mapping."""
        get = weights.get
        return sum(w * get(t, 0.0) for t, w in zip(self.terms, self.weights, strict=True))


EMPTY = TermVector((), array("f"))


def paper_vector(title: str, abstract: str | None, stats: TermStats) -> TermVector:
    """The paper's vector: (1 + ln tf) · idf per term; a title word counts TITLE_WEIGHT times."""
    counts: dict[str, float] = {t: TITLE_WEIGHT * c for t, c in term_counts(title).items()}
    for term, count in term_counts(abstract or "").items():
        counts[term] = counts.get(term, 0.0) + count
    if not counts:
        return EMPTY
    # stats.idf inlined: this loop runs for every term of every paper a radar reads.
    log, known = math.log, stats.docs
    get, ceiling = known.get, log(1 + stats.documents) + 1.0
    # A phrase counts only when other papers use it too (the sample saw it): most two-word runs
    # of an abstract are one-offs ("accurate cnn") that would only dilute the vector.
    weighted = [
        ((1.0 + log(tf)) * (ceiling - log(1 + get(term, ABSENT_DOCS))), term)
        for term, tf in counts.items()
        if " " not in term
    ]
    weighted += [
        ((1.0 + log(tf)) * (ceiling - log(1 + known[term])) * PHRASE_WEIGHT, term)
        for term, tf in counts.items()
        if " " in term and term in known
    ]
    weighted.sort(reverse=True)  # ties: the later term first, so the order is stable
    top = weighted[:MAX_TERMS]
    norm = math.sqrt(sum(w * w for w, _ in top)) or 1.0
    intern = sys.intern  # one string per term however many cached vectors hold it
    return TermVector(tuple(intern(t) for _, t in top), array("f", (w / norm for w, _ in top)))


def cosine(a: TermVector, b: TermVector) -> float:
    """Cosine similarity of two vectors (both unit length)."""
    small, large = (a, b) if len(a.terms) <= len(b.terms) else (b, a)
    return small.dot(large.as_dict()) if small.terms else 0.0


def shared_terms(a: TermVector, b: TermVector, limit: int) -> list[str]:
    """The terms that make `a` and `b` alike: those both hold, by their share of the cosine."""
    other = b.as_dict()
    both = [(w * other[t], t) for t, w in zip(a.terms, a.weights, strict=True) if t in other]
    both.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[str] = []
    for _, term in both:
        # "trust region" already says "trust" and "region": a word inside a chosen phrase (or a
        # phrase around a chosen word) adds nothing.
        if any(_overlaps(term, kept) for kept in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


def _overlaps(term: str, kept: str) -> bool:
    words, kept_words = set(term.split(" ")), set(kept.split(" "))
    return words <= kept_words or kept_words <= words


class VectorIndex:
    """An inverted index over a few hundred vectors (a person's library), to count those near
    a vector without a dot product per pair."""

    def __init__(self, items: Sequence[tuple[int, TermVector]]) -> None:
        self.ids = tuple(i for i, _ in items)
        postings: dict[str, list] = {}
        for position, (_, vector) in enumerate(items):
            for term, weight in zip(vector.terms, vector.weights, strict=True):
                found = postings.get(term)
                if found is None:
                    postings[term] = [position, weight]
                else:
                    found += (position, weight)
        self.postings = postings  # term -> [position, weight, position, weight, ...]

    def __len__(self) -> int:
        return len(self.ids)

    def count_near(self, vector: TermVector, threshold: float, exclude: int | None = None) -> int:
        """How many indexed vectors (other than paper `exclude`) have cosine >= `threshold`."""
        sums: dict[int, float] = {}
        get, postings = sums.get, self.postings
        for term, weight in zip(vector.terms, vector.weights, strict=True):
            found = postings.get(term)
            if found is None:
                continue
            for index in range(0, len(found), 2):
                position = found[index]
                sums[position] = get(position, 0.0) + weight * found[index + 1]
        ids = self.ids
        return sum(1 for p, total in sums.items() if total >= threshold and ids[p] != exclude)
