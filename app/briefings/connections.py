"""Cross-disciplinary connections: a term that papers from different fields both lean on."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from app.briefings.themes import Corpus

PAPER_TERMS = 12  # a paper "leans on" its heaviest terms only
MAX_CONNECTIONS = 5
SPECIFIC_SHARE = 0.03
PHRASE_BONUS = 3.0  # "graph neural" names a shared method; a single word rarely does
# Words every field uses in its own sense ("local" energy markets, "local" well-posedness): a
# connection named by one of them alone would be a pun, not a shared method or question.
_GENERIC_TEXT = """local point dynamics approximation system structure function analysis process
    property
    application control time space value values level levels effect effects condition conditions
    form type types group number numbers part set sets way ways field fields class classes mode
    modes scale scales rate rates size order power state states phase phases test tests signal
    input output quality design performance development evaluation experiment experiments
    approximate approximations simulation simulations theory theoretical numerical physical
    dimensional two-dimensional three-dimensional one-dimensional real complex simple large
larger small smaller high higher low lower new"""
GENERIC = frozenset(_GENERIC_TEXT.split())


@dataclass(frozen=True)
class Connection:
    """`term` shared by papers of several fields: field → paper indexes, heaviest first."""

    term: str
    fields: dict[str, list[int]]
    score: float


def find_connections(
    corpus: Corpus, fields: list[str], limit: int = MAX_CONNECTIONS
) -> list[Connection]:
    """The strongest shared terms across fields, preferring field pairs not yet connected."""
    by_term: dict[str, dict[str, list[tuple[float, int]]]] = defaultdict(lambda: defaultdict(list))
    for index, vector in enumerate(corpus.vectors):
        heaviest = sorted(vector.items(), key=lambda tw: (-tw[1], tw[0]))[:PAPER_TERMS]
        for term, weight in heaviest:
            by_term[term][fields[index]].append((weight, index))
    candidates = []
    # A connection names something specific: a term in at most a few percent of the papers.
    most = max(3, SPECIFIC_SHARE * len(corpus.vectors))
    for term, per_field in by_term.items():
        if len(per_field) < 2 or corpus.df[term] > most or term in GENERIC:
            continue
        ranked = {f: sorted(hits, key=lambda h: (-h[0], h[1])) for f, hits in per_field.items()}
        tops = sorted((hits[0][0] for hits in ranked.values()), reverse=True)
        bonus = PHRASE_BONUS if " " in term else 1.0
        support = sum(len(hits) for hits in ranked.values())
        score = tops[0] * tops[1] * bonus * math.log(1 + support)
        order = sorted(ranked, key=lambda f: (-ranked[f][0][0], f))
        candidates.append(Connection(term, {f: [i for _, i in ranked[f]] for f in order}, score))
    candidates.sort(key=lambda c: (-c.score, c.term))
    return _pick(candidates, limit)


def _pick(candidates: list[Connection], limit: int) -> list[Connection]:
    chosen: list[Connection] = []
    pairs: set[tuple[str, str]] = set()
    words: set[str] = set()
    for fresh_pairs_only in (True, False):
        for candidate in candidates:
            if len(chosen) == limit:
                return chosen
            pair = tuple(sorted(list(candidate.fields)[:2]))
            overlap = set(candidate.term.split()) & words
            if candidate in chosen or overlap or (fresh_pairs_only and pair in pairs):
                continue
            chosen.append(candidate)
            pairs.add(pair)  # type: ignore[arg-type]
            words.update(candidate.term.split())
    return chosen
