"""Papers' term vectors, read from the database and kept per process (least recently used out).

A cached vector is keyed by the database, the paper and the term statistics, and checked against
the paper's `modified_at`, so a new version of a paper (or another process's change) is read
again; nothing here depends on being told about changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import one_of
from app.lru import LruCache
from app.models import Paper
from app.radar.stats import TermStats
from app.radar.vectors import TermVector, paper_vector

CACHED_VECTORS = 30_000  # ~1 KB each: a few days of candidates plus active people's libraries
CHUNK = 2_000

_vectors = LruCache[tuple[datetime, str, TermVector]](CACHED_VECTORS)


def database_key(session: Session) -> str:
    """Which database a cached value came from (a test run, a benchmark, use two at once)."""
    return session.get_bind().url.render_as_string(hide_password=True)


def cached_vector(
    database: str,
    paper_id: int,
    modified_at: datetime,
    title: str,
    abstract: str | None,
    stats: TermStats,
) -> TermVector:
    """The vector of a paper whose text the caller has read: from the cache when current."""
    found = _vectors.get((database, paper_id))
    if found is not None and found[0] == modified_at and found[1] == stats.key:
        return found[2]
    vector = paper_vector(title, abstract, stats)
    _vectors.put((database, paper_id), (modified_at, stats.key, vector))
    return vector


def paper_vectors(session: Session, ids: Sequence[int], stats: TermStats) -> dict[int, TermVector]:
    """Vectors of the stored papers among `ids`: one query for their modification times, and
    one per chunk of papers whose text must be read."""
    database = database_key(session)
    vectors: dict[int, TermVector] = {}
    stale: list[int] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        rows = session.execute(
            select(Paper.id, Paper.modified_at).where(one_of(session, Paper.id, chunk))
        )
        for paper_id, modified_at in rows:
            found = _vectors.get((database, paper_id))
            if found is not None and found[0] == modified_at and found[1] == stats.key:
                vectors[paper_id] = found[2]
            else:
                stale.append(paper_id)
    for start in range(0, len(stale), CHUNK):
        rows = session.execute(
            select(Paper.id, Paper.modified_at, Paper.title, Paper.abstract).where(
                one_of(session, Paper.id, stale[start : start + CHUNK])
            )
        )
        for paper_id, modified_at, title, abstract in rows:
            vectors[paper_id] = cached_vector(
                database, paper_id, modified_at, title, abstract, stats
            )
    return vectors
