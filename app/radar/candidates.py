"""The papers listed in a range of days, with what the radar matches on, read once per process
per data version (every person's radar of a day draws from the same papers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import one_of
from app.lru import LruCache
from app.models import Author, Paper, PaperAuthor, PaperCategory, PaperListing
from app.radar.scoring import Candidate
from app.radar.stats import TermStats
from app.radar.vector_store import cached_vector, database_key

CHUNK = 2_000

_candidates = LruCache[tuple[Candidate, ...]](4)


def load_candidates(
    session: Session, since: date, until: date, stats: TermStats, version: str
) -> tuple[Candidate, ...]:
    """The papers listed from `since` to `until`, by paper id; `version` is the data version
    (app.curation.days.data_version), which changes with any paper or listing."""
    key = (database_key(session), since, until, version, stats.key)
    found = _candidates.get(key)
    if found is None:
        found = _read_candidates(session, since, until, stats)
        _candidates.put(key, found)
    return found


def _read_candidates(
    session: Session, since: date, until: date, stats: TermStats
) -> tuple[Candidate, ...]:
    listed = session.execute(
        select(PaperListing.paper_id, PaperListing.source_id).where(
            PaperListing.listed_on.between(since, until)
        )
    )
    sources: dict[int, set[int]] = {}
    for paper_id, source_id in listed:
        sources.setdefault(paper_id, set()).add(source_id)
    ids = sorted(sources)
    database = database_key(session)
    candidates: list[Candidate] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        authors, categories = _bylines(session, chunk), _categories(session, chunk)
        rows = session.execute(
            select(Paper.id, Paper.title, Paper.abstract, Paper.modified_at).where(
                one_of(session, Paper.id, chunk)
            )
        )
        for paper_id, title, abstract, modified_at in rows:
            vector = cached_vector(database, paper_id, modified_at, title, abstract, stats)
            candidates.append(
                Candidate(
                    paper_id=paper_id,
                    title=title,
                    abstract=abstract or "",
                    authors=tuple(authors.get(paper_id, ())),
                    categories=tuple(categories.get(paper_id, ())),
                    sources=tuple(sorted(sources[paper_id])),
                    vector=vector,
                )
            )
    candidates.sort(key=lambda c: c.paper_id)
    return tuple(candidates)


def _bylines(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    rows = session.execute(
        select(PaperAuthor.paper_id, Author.match_key, Author.name)
        .join(Author, Author.id == PaperAuthor.author_id)
        .where(one_of(session, PaperAuthor.paper_id, ids))
        .order_by(PaperAuthor.paper_id, PaperAuthor.position)
    )
    found: dict[int, list[tuple[str, str]]] = {}
    for paper_id, match_key, name in rows:
        found.setdefault(paper_id, []).append((match_key, name))
    return found


def _categories(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(PaperCategory.paper_id, PaperCategory.category)
        .where(one_of(session, PaperCategory.paper_id, ids))
        .order_by(PaperCategory.paper_id, PaperCategory.position)
    )
    found: dict[int, list[str]] = {}
    for paper_id, code in rows:
        found.setdefault(paper_id, []).append(code)
    return found
