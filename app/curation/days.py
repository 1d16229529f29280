"""Announcement days: the latest and adjacent days, a day's announcement order, data version."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import BigInteger, ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session

from app.db import one_of
from app.models import Paper, PaperListing, TermStatistics
from app.schemas import PaperItem

# A day lists new papers, then cross-lists, then replacements (arXiv's own order).
ANNOUNCE_RANK = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 2}
OTHER_RANK = 3
LISTING_SPAN = 1 << 40  # listing ids stay below this, so rank * span + id orders by both


def latest_day(session: Session) -> date | None:
    """The newest announcement day that has listings (the Curated Daily default)."""
    return session.scalar(select(func.max(PaperListing.listed_on)))


def adjacent_days(session: Session, day: date) -> tuple[date | None, date | None]:
    """The nearest earlier and later days with listings, for day navigation."""
    earlier = session.scalar(
        select(func.max(PaperListing.listed_on)).where(PaperListing.listed_on < day)
    )
    later = session.scalar(
        select(func.min(PaperListing.listed_on)).where(PaperListing.listed_on > day)
    )
    return earlier, later


def data_version(session: Session) -> str:
    """Changes whenever papers or listings change, or the term statistics are rebuilt (similar
    papers on a paper page depend on them, app.radar): the basis of ETag / Last-Modified.

    One statement of four index lookups (ix_papers_modified_at and three primary keys), whatever
    the table size.
    """
    return version_text(*session.execute(select(*version_columns())).one())


def version_columns() -> list:
    """The data version's four lookups, as columns another statement can carry too."""
    return [
        select(func.max(Paper.modified_at)).scalar_subquery(),
        select(func.max(Paper.id)).scalar_subquery(),
        select(func.max(PaperListing.id)).scalar_subquery(),
        select(func.max(TermStatistics.id)).scalar_subquery(),
    ]


def version_text(modified, newest, listings, statistics) -> str:
    """The data version from its four lookups."""
    stamp = modified.isoformat() if modified else "-"
    return f"{stamp}/{newest or 0}/{listings or 0}/{statistics or 0}"


def _announce_rank(announce_type) -> ColumnElement[int]:
    return case(ANNOUNCE_RANK, value=announce_type, else_=OTHER_RANK)


def day_order(
    day: date, sources: Sequence[int], checks: Iterable[ColumnElement[bool]] = ()
) -> Select:
    """Papers listed on `day` (by `sources`, if any, and passing `checks`): new, then cross-lists,
    then replacements, each in feed order (listing ids grow in document order); a paper listed
    twice counts its best listing."""
    span = literal(LISTING_SPAN, BigInteger())
    best = func.min(_announce_rank(PaperListing.announce_type) * span + PaperListing.id)
    statement = select(PaperListing.paper_id).where(PaperListing.listed_on == day, *checks)
    if sources:
        statement = statement.where(PaperListing.source_id.in_(sources))
    return statement.group_by(PaperListing.paper_id).order_by(best, PaperListing.paper_id)


def listed_as(
    session: Session, ids: list[int], day: date, sources: Sequence[int]
) -> dict[int, tuple[str | None, int | None]]:
    """Per paper of `ids` listed on `day` (by `sources`): that listing's announce type and
    version."""
    if not ids:
        return {}
    statement = select(
        PaperListing.paper_id, PaperListing.announce_type, PaperListing.version, PaperListing.id
    ).where(PaperListing.listed_on == day, one_of(session, PaperListing.paper_id, ids))
    if sources:
        statement = statement.where(PaperListing.source_id.in_(sources))
    return best_listings(session.execute(statement))


def as_listed(
    session: Session, items: list[PaperItem], ids: list[int], day: date, sources: Sequence[int]
) -> list[PaperItem]:
    """Items with the announce type and version their listing had on `day` (by `sources`)."""
    chosen = listed_as(session, ids, day, sources)
    updated = []
    for paper_id, item in zip(ids, items, strict=True):
        if paper_id in chosen:
            announce_type, version = chosen[paper_id]
            item = item.model_copy(
                update={"announce_type": announce_type, "version": version or item.version}
            )
        updated.append(item)
    return updated


def best_listings(rows: Iterable[Sequence]) -> dict[int, tuple[str | None, int | None]]:
    """Per paper, (announce type, version) of its best listing of a day: new before cross-list
    before replacement, then the earliest listed; rows are (paper_id, type, version, listing_id)."""
    best: dict[int, tuple[tuple[int, int], str | None, int | None]] = {}
    for paper_id, announce_type, version, listing_id in rows:
        key = (ANNOUNCE_RANK.get(announce_type, OTHER_RANK), listing_id)
        if paper_id not in best or key < best[paper_id][0]:
            best[paper_id] = (key, announce_type, version)
    return {paper_id: (kind, version) for paper_id, (_, kind, version) in best.items()}
