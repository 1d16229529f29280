"""Document frequencies of terms, estimated from a sample of papers (pure).

Why a sample, stored by a job, rather than the alternatives (issue 6 asks to choose and measure):
- Counting over the whole corpus per request is out of the question at 1,000,000 papers, and
  even once a day it costs minutes of tokenising.
- The full-text index's own vocabulary does not fit: SQLite's `fts5vocab` counts a term's
  documents by reading its whole doclist (a word in 40% of a million papers is 400,000 entries
  read on every lookup) and it holds Porter stems, not the terms this model uses; PostgreSQL's
  `ts_stat` reads every tsvector of the table (bench/radar.py prints its time on the corpus).
- A sample of SAMPLE_SIZE papers (half the newest, half drawn evenly over all ids, so the terms
  of this season's papers and of the long tail both count) estimates every term's share of the
  corpus within a few percent for any term in 0.1% of papers or more. Rarer terms matter only as
  "rare", and a term the sample never saw gets the idf of a term seen once, the highest there is.
The table (`term_statistics`, one JSON row) is rebuilt by `academichub index rebuild` and by the
worker when the corpus has grown (app.radar.stats_store); every process loads it once per build.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.text_terms import term_counts

MIN_SAMPLE_DOCS = 2  # terms seen in fewer sampled papers are not stored (they read as "rare")
MAX_TERMS = 150_000  # the most common terms kept, which bounds the row and each process's copy
ABSENT_DOCS = 1  # what a term the table does not hold counts as


@dataclass(frozen=True)
class TermStats:
    """How many of `documents` sampled papers hold each term, in a corpus of `papers`; `key`
    names this build for caches."""

    documents: int
    docs: Mapping[str, int]
    key: str
    papers: int = 0

    def expected_papers(self, term: str) -> float:
        """How many papers of the whole corpus are estimated to hold `term`."""
        return self.share(term) * max(self.papers, self.documents)

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency, as scikit-learn's: ln((1 + n) / (1 + df)) + 1."""
        return math.log((1 + self.documents) / (1 + self.docs.get(term, ABSENT_DOCS))) + 1.0

    def share(self, term: str) -> float:
        """The estimated share of all papers whose title or abstract holds `term`."""
        return self.docs.get(term, ABSENT_DOCS) / max(self.documents, 1)


def count_documents(texts: Iterable[str]) -> tuple[Counter, int]:
    """Per term, how many of `texts` hold it; and how many texts there were."""
    docs: Counter = Counter()
    documents = 0
    for text in texts:
        docs.update(term_counts(text).keys())
        documents += 1
    return docs, documents


def build_stats(docs: Mapping[str, int], documents: int, key: str, papers: int = 0) -> TermStats:
    """Stats keeping the terms seen at least MIN_SAMPLE_DOCS times, the MAX_TERMS commonest;
    `papers` is the corpus size (the sample's, when not given)."""
    kept = [(term, count) for term, count in docs.items() if count >= MIN_SAMPLE_DOCS]
    if len(kept) > MAX_TERMS:
        kept.sort(key=lambda item: (-item[1], item[0]))
        kept = kept[:MAX_TERMS]
    return TermStats(documents=documents, docs=dict(kept), key=key, papers=papers or documents)


def stats_to_json(stats: TermStats) -> str:
    """The stored form: compact JSON, terms in a stable order."""
    body = {"documents": stats.documents, "docs": dict(sorted(stats.docs.items()))}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def stats_from_json(text: str, key: str, papers: int = 0) -> TermStats:
    """Stats read back from `stats_to_json`, for a corpus of `papers`."""
    body = json.loads(text)
    documents = int(body["documents"])
    return TermStats(documents=documents, docs=body["docs"], key=key, papers=papers or documents)
