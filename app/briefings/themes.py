"""Papers grouped into themes: TF-IDF vectors and spherical k-means, deterministic throughout.

Themes are found across categories (the text decides, not the listing), named by their top terms.
Same papers in, same themes out: the caller sorts papers by id; k-means++ draws from a fixed seed.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from dataclasses import dataclass

from app.text_terms import count_terms, display_form

MAX_THEMES = 12
ITERATIONS = 20
CENTROID_TERMS = 400  # a centroid keeps its heaviest terms only: fast and no worse in practice
PHRASE_BONUS = 1.6  # names read better as phrases ("neural network" over "network · neural")
Vector = dict[str, float]


@dataclass(frozen=True)
class Corpus:
    """TF-IDF vectors (unit length) of a list of texts, with idf and display forms."""

    vectors: list[Vector]
    idf: dict[str, float]
    df: dict[str, int]
    display: dict[str, Counter]


@dataclass(frozen=True)
class Theme:
    """Members (indexes into the corpus, most central first) and the theme's heaviest terms."""

    members: list[int]
    centroid: Vector
    top_terms: list[str]


def build_corpus(texts: list[tuple[str, str]]) -> Corpus:
    """TF-IDF over (title, abstract) pairs; the title counts twice. Terms in one paper only, or in
    more than half of them, say nothing about themes and are dropped."""
    display: dict[str, Counter] = {}
    counts = []
    for title, abstract in texts:
        title_counts = count_terms(title, display)
        counts.append(title_counts + title_counts + count_terms(abstract, display))
    df: Counter = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(texts)
    min_df = 2 if n >= 10 else 1
    idf = {
        t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items() if min_df <= d <= max(2, n / 2)
    }
    vectors = [
        _unit({t: (1 + math.log(k)) * idf[t] for t, k in c.items() if t in idf}) for c in counts
    ]
    return Corpus(vectors, idf, {t: df[t] for t in idf}, display)


def _unit(vector: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def similarity(vector: Vector, centroid: Vector) -> float:
    # The set intersection runs in C; only shared terms reach the Python-level sum.
    return sum(vector[t] * centroid[t] for t in vector.keys() & centroid.keys())


def theme_count(papers: int) -> int:
    """About sqrt(n/2) themes: 3 for 18 papers, 12 (the most) from 288 on; fewer for tiny sets."""
    if papers < 4:
        return 1
    if papers < 9:
        return 2
    return min(MAX_THEMES, max(3, round(math.sqrt(papers / 2))))


def find_themes(corpus: Corpus, k: int | None = None) -> list[Theme]:
    """Spherical k-means with k-means++ seeding from a fixed seed; largest theme first."""
    vectors = corpus.vectors
    if not vectors:
        return []
    k = min(k or theme_count(len(vectors)), len(vectors))
    centroids = _seed_centroids(vectors, k)
    assignment: list[int] = []
    for _ in range(ITERATIONS):
        new = [_nearest(v, centroids) for v in vectors]
        if new == assignment:
            break
        assignment = new
        centroids = [_centroid([vectors[i] for i, a in enumerate(new) if a == c]) for c in range(k)]
    groups = [[i for i, a in enumerate(assignment) if a == c] for c in range(k)]
    themes = []
    for members, centroid in zip(groups, centroids, strict=True):
        if members:
            members.sort(key=lambda i: (-similarity(vectors[i], centroid), i))
            themes.append(Theme(members, centroid, _top_terms(centroid, corpus, 6)))
    themes.sort(key=lambda t: (-len(t.members), t.members[0]))
    return themes


def _seed_centroids(vectors: list[Vector], k: int) -> list[Vector]:
    rng = random.Random(20241128)
    chosen = [max(range(len(vectors)), key=lambda i: (len(vectors[i]), -i))]
    distance = [1.0 - similarity(v, vectors[chosen[0]]) for v in vectors]
    while len(chosen) < k:
        total = sum(distance)
        if total <= 0:
            break
        target, running, pick = rng.random() * total, 0.0, len(vectors) - 1
        for i, d in enumerate(distance):
            running += d
            if running >= target and d > 0:
                pick = i
                break
        chosen.append(pick)
        distance = [
            min(d, 1.0 - similarity(v, vectors[pick]))
            for d, v in zip(distance, vectors, strict=True)
        ]
    return [dict(vectors[i]) for i in chosen] + [{} for _ in range(k - len(chosen))]


def _nearest(vector: Vector, centroids: list[Vector]) -> int:
    best, best_score = 0, -1.0
    for c, centroid in enumerate(centroids):
        score = similarity(vector, centroid)
        if score > best_score:
            best, best_score = c, score
    return best


def _centroid(members: list[Vector]) -> Vector:
    total: dict[str, float] = {}
    get = total.get
    for vector in members:
        for term, weight in vector.items():
            total[term] = get(term, 0.0) + weight
    heaviest = heapq.nsmallest(CENTROID_TERMS, total.items(), key=lambda tw: (-tw[1], tw[0]))
    return _unit(dict(heaviest))


def _top_terms(centroid: Vector, corpus: Corpus, count: int) -> list[str]:
    """Heaviest terms, skipping a word already inside a chosen phrase and vice versa."""
    chosen: list[str] = []
    ranked = sorted(
        centroid.items(), key=lambda tw: (-tw[1] * (PHRASE_BONUS if " " in tw[0] else 1.0), tw[0])
    )
    for term, _ in ranked:
        parts = set(term.split())
        if any(parts & set(c.split()) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == count:
            break
    return chosen


def theme_name(theme: Theme, corpus: Corpus, words: int = 3) -> str:
    """ "Graph neural networks · molecules · drug discovery": the top terms as papers write them."""
    names = [display_form(t, corpus.display) for t in theme.top_terms[:words]]
    return " · ".join(names) if names else "Other papers"
