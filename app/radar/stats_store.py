"""Building, storing and loading the term statistics (app.radar.stats says why a sample).

`refresh_term_statistics` is the job (the worker runs it hourly and acts when the corpus has grown
or the build is old; `academichub index rebuild` forces it). `current_stats` is what readers call:
one primary-key lookup, and the stored build parsed once per process. Before any build exists (a
fresh install, tests) it computes stats from a smaller sample in the process, cached per data
version, so the radar works from the first poll.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.curation.days import data_version
from app.db import one_of
from app.lru import LruCache
from app.models import Paper, TermStatistics
from app.radar.stats import TermStats, build_stats, count_documents, stats_from_json, stats_to_json

log = logging.getLogger(__name__)
SAMPLE_SIZE = 20_000
FALLBACK_SAMPLE_SIZE = 5_000  # computed inside a request while no build exists: kept quick
REBUILD_GROWTH = 0.10  # rebuild once the corpus has grown by a tenth
REBUILD_AGE = timedelta(days=7)  # or the build is a week old and papers came since
TEXT_CHUNK = 2_000

_stats = LruCache[TermStats](2)
_load_lock = threading.Lock()


@dataclass(frozen=True)
class StatsBuild:
    """What one build did."""

    stats_id: int
    documents: int
    terms: int
    corpus_papers: int


def sample_paper_ids(session: Session, size: int) -> list[int]:
    """Half the newest papers, half spread evenly over every older id (deterministic)."""
    newest = list(session.scalars(select(Paper.id).order_by(Paper.id.desc()).limit(size // 2)))
    low = session.scalar(select(func.min(Paper.id)))
    if not newest or low is None:
        return newest
    below = min(newest)
    step = max(1, (below - low) // max(size - len(newest), 1))
    spread = list(range(low, below, step))
    present: list[int] = []
    for start in range(0, len(spread), TEXT_CHUNK):
        chunk = spread[start : start + TEXT_CHUNK]
        present.extend(session.scalars(select(Paper.id).where(one_of(session, Paper.id, chunk))))
    return sorted(present) + sorted(newest)


def sample_texts(session: Session, ids: list[int]):
    """Title and abstract of each of `ids`, as one text, read a chunk at a time."""
    for start in range(0, len(ids), TEXT_CHUNK):
        chunk = ids[start : start + TEXT_CHUNK]
        rows = session.execute(
            select(Paper.title, Paper.abstract).where(one_of(session, Paper.id, chunk))
        )
        for title, abstract in rows:
            yield f"{title}. {abstract or ''}"


def compute_stats(session: Session, size: int, key: str) -> TermStats:
    """Term statistics of a fresh sample of `size` papers."""
    docs, documents = count_documents(sample_texts(session, sample_paper_ids(session, size)))
    papers = session.scalar(select(func.count()).select_from(Paper)) or 0
    return build_stats(docs, documents, key, papers)


def rebuild_term_statistics(session: Session, *, now: datetime) -> StatsBuild:
    """Sample, count and store a new build, dropping older ones. The caller commits."""
    stats = compute_stats(session, SAMPLE_SIZE, key="pending")
    corpus = stats.papers
    row = TermStatistics(
        documents=stats.documents, corpus_papers=corpus, body=stats_to_json(stats), built_at=now
    )
    session.add(row)
    session.flush()
    session.execute(delete(TermStatistics).where(TermStatistics.id < row.id))
    log.info(
        "term statistics built", extra={"documents": stats.documents, "terms": len(stats.docs)}
    )
    return StatsBuild(row.id, stats.documents, len(stats.docs), corpus)


def refresh_term_statistics(session: Session, *, now: datetime) -> StatsBuild | None:
    """Rebuild when there is no build, the corpus grew by REBUILD_GROWTH since, or the build is
    older than REBUILD_AGE and papers came since; None when the build in use is still good."""
    built = session.execute(
        select(TermStatistics.corpus_papers, TermStatistics.built_at)
        .order_by(TermStatistics.id.desc())
        .limit(1)
    ).first()
    corpus = session.scalar(select(func.count()).select_from(Paper)) or 0
    if corpus == 0:
        return None
    if built is not None:
        grown = corpus - built.corpus_papers
        if grown < REBUILD_GROWTH * built.corpus_papers and (
            grown <= 0 or now - built.built_at < REBUILD_AGE
        ):
            return None
    return rebuild_term_statistics(session, now=now)


def stored_stats_id(session: Session) -> int | None:
    """The build in use (one primary-key lookup)."""
    return session.scalar(select(func.max(TermStatistics.id)))


def current_stats(session: Session) -> TermStats:
    """The term statistics in use, parsed once per process per build."""
    return stats_for(session, stored_stats_id(session), None)


def stats_for(session: Session, stats_id: int | None, version: str | None) -> TermStats:
    """The statistics of build `stats_id`; without one, computed for data version `version`
    (read here when None). For callers that read both already (app.radar.ranking)."""
    if stats_id is None:
        key = f"computed:{version if version is not None else data_version(session)}"
    else:
        key = f"stored:{stats_id}"
    found = _stats.get(key)
    if found is not None:
        return found
    with _load_lock:  # one thread loads; the others wait and take its result
        found = _stats.get(key)
        if found is None:
            found = _load(session, stats_id, key)
            _stats.put(key, found)
    return found


def _load(session: Session, stats_id: int | None, key: str) -> TermStats:
    if stats_id is not None:
        row = session.execute(
            select(TermStatistics.body, TermStatistics.corpus_papers).where(
                TermStatistics.id == stats_id
            )
        ).first()
        if row is not None:
            return stats_from_json(row.body, key, row.corpus_papers)
    log.warning("no term statistics stored yet; computing from a small sample")
    return compute_stats(session, FALLBACK_SAMPLE_SIZE, key)
