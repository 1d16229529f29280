"""Similar papers for a paper page (public, no account): the radar's text model at work.

The paper's QUERY_WORDS heaviest words that are rare enough (estimated, by the term statistics,
in at most PAIR_WORD_MATCHES papers, else FALLBACK_WORD_MATCHES) go to the full-text index as
pairs: a paper holding two of them is a candidate, and the index ranks them
(app.search.papers_sharing_words). When pairs find fewer than CANDIDATES (a small collection, an
unusual paper), papers holding one of the rarest words are added, as long as the index has at
most SINGLE_WORD_MATCHES of them to rank. The best CANDIDATES are re-ranked by the cosine of their
TF-IDF vectors, and each result names the terms that weigh most in that cosine. Rare words keep
the index's work to a few hundred papers at a million, so the page stays fast; vectors of
papers read before come from the process's cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Paper
from app.radar.stats import TermStats
from app.radar.stats_store import current_stats
from app.radar.vector_store import cached_vector, database_key, paper_vectors
from app.radar.vectors import TermVector, cosine, shared_terms
from app.search import papers_sharing_words
from app.text_terms import readable_term, surface_forms

QUERY_WORDS = 6
PAIR_WORD_MATCHES = 5_000  # a word of a pair: in at most 0.5% of a million papers
FALLBACK_WORD_MATCHES = 20_000  # for a paper with fewer than two such words
CANDIDATES = 40
SINGLE_WORD_MATCHES = 1_000  # papers the index may rank for single words (pairs came short)
MIN_COSINE = 0.05  # below this, two papers share a word or two by chance
SHARED_TERMS = 4


@dataclass(frozen=True)
class SimilarPaper:
    """A paper like another one: its id, the cosine of their vectors, and the terms they share
    (written as the first paper writes them)."""

    paper_id: int
    score: float
    shared_terms: tuple[str, ...]


def query_words(vector: TermVector, stats: TermStats) -> list[str]:
    """The heaviest single words of `vector` estimated in at most PAIR_WORD_MATCHES papers,
    else in at most FALLBACK_WORD_MATCHES; none when fewer than two are that rare (a pair of
    common words would have the index rank a large share of the corpus). In a small collection
    every word is rare enough."""
    words = [term for term in vector.terms if " " not in term]
    for most in (PAIR_WORD_MATCHES, FALLBACK_WORD_MATCHES):
        rare = [word for word in words if stats.expected_papers(word) <= most]
        if len(rare) >= 2:
            return rare[:QUERY_WORDS]
    return []


def affordable_words(words: list[str], stats: TermStats) -> list[str]:
    """The rarest of `words` whose estimated matches add up to at most SINGLE_WORD_MATCHES."""
    chosen, total = [], 0.0
    for word in sorted(words, key=lambda w: (stats.expected_papers(w), w)):
        total += stats.expected_papers(word)
        if total > SINGLE_WORD_MATCHES:
            break
        chosen.append(word)
    return chosen


def similar_papers(session: Session, paper_id: int, *, limit: int = 6) -> list[SimilarPaper]:
    """Up to `limit` papers most like paper `paper_id` (a row id), best first (ties: lower id)."""
    row = session.execute(
        select(Paper.title, Paper.abstract, Paper.modified_at).where(Paper.id == paper_id)
    ).first()
    if row is None or limit <= 0:
        return []
    stats = current_stats(session)
    title, abstract, modified_at = row
    vector = cached_vector(database_key(session), paper_id, modified_at, title, abstract, stats)
    forms = surface_forms([f"{title}. {abstract or ''}"])
    words = [readable_term(word, forms) for word in query_words(vector, stats)]
    ids = papers_sharing_words(session, words, exclude=paper_id, limit=CANDIDATES)
    if len(ids) < CANDIDATES:  # few pairs: add papers holding one word, when those are few
        single = [
            readable_term(w, forms) for w in affordable_words(query_words(vector, stats), stats)
        ]
        more = papers_sharing_words(session, single, exclude=paper_id, limit=CANDIDATES, together=1)
        ids += [i for i in more if i not in set(ids)][: CANDIDATES - len(ids)]
    vectors = paper_vectors(session, ids, stats)
    scored = sorted(
        ((cosine(vector, vectors[i]), i) for i in ids if i in vectors),
        key=lambda item: (-item[0], item[1]),
    )
    return [
        SimilarPaper(
            paper_id=i,
            score=round(score, 4),
            shared_terms=tuple(
                readable_term(t, forms) for t in shared_terms(vector, vectors[i], SHARED_TERMS)
            ),
        )
        for score, i in scored[:limit]
        if score >= MIN_COSINE
    ]
