"""Filtered paper lists for the Curated Daily page and the JSON API (the read-side door)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.curation.days import as_listed, day_order, latest_day
from app.curation.items import load_items
from app.curation.selection import (
    Narrowing,
    Selection,
    count_total,
    newest_first,
    select_papers,
    shuffle_candidates,
)
from app.curation.shuffle import draw_page
from app.models import Author, Paper, PaperAuthor, PaperCategory, PaperListing
from app.schemas import PaperPage
from app.search import parse_search, rank_search_matches, search_papers
from app.text import author_match_key

PAGE_SIZE = 50
RANKED_LIMIT = 1_000  # a search with at most this many matches is ranked by relevance


@dataclass(frozen=True)
class PaperFilters:
    """DESIGN's filters: authors and categories AND together, sources OR together."""

    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sources: tuple[int, ...] = ()
    q: str | None = None
    day: date | None = None
    page: int = 1
    shuffle: int | None = None  # seed of a reproducible random draw

    @property
    def is_empty(self) -> bool:
        """No filter that narrows the set (`page` and `shuffle` do not narrow)."""
        return not (self.authors or self.categories or self.sources or self.q or self.day)

    @property
    def spans_all_days(self) -> bool:
        """Author, category, source and query filters cover every day unless `day` narrows."""
        return bool(self.authors or self.categories or self.sources or self.q)


def _narrowings(filters: PaperFilters, *, listings: bool = True) -> list[Narrowing]:
    """Authors and categories AND together; sources OR together; `day` narrows the listings."""
    found = []
    for name in filters.authors:
        author = select(Author.id).where(Author.match_key == author_match_key(name))
        ids = select(PaperAuthor.paper_id).where(PaperAuthor.author_id == author.scalar_subquery())
        found.append(Narrowing(ids, PaperAuthor.paper_id))
    for code in filters.categories:
        ids = select(PaperCategory.paper_id).where(PaperCategory.category == code)
        found.append(Narrowing(ids, PaperCategory.paper_id))
    if listings and (filters.sources or filters.day):
        ids = select(PaperListing.paper_id).distinct()  # a paper may be listed more than once
        if filters.sources:
            ids = ids.where(PaperListing.source_id.in_(filters.sources))
        if filters.day:
            ids = ids.where(PaperListing.listed_on == filters.day)
        found.append(Narrowing(ids, PaperListing.paper_id))
    return found


def default_view(session: Session, filters: PaperFilters) -> PaperFilters:
    """The Curated Daily page's view of `filters`: no filter and no shuffle means the latest
    announcement day; any other filter covers every day (`day` narrows); a shuffle draws from
    the filtered set, or from the whole collection."""
    if filters.is_empty and filters.shuffle is None:
        return replace(filters, day=latest_day(session))
    return filters


def list_papers(
    session: Session,
    filters: PaperFilters,
    page_size: int = PAGE_SIZE,
    *,
    ranked_limit: int = RANKED_LIMIT,
) -> PaperPage:
    """One page of papers matching `filters`, in the view's order (see `select_page`).

    With `day`, items carry that day's announce type and version.
    """
    page = select_page(session, filters, page_size, ranked_limit=ranked_limit)
    items = load_items(session, page.ids)
    if filters.day is not None:
        items = as_listed(session, items, page.ids, filters.day, filters.sources)
    return PaperPage(
        items=items, total=page.total, total_is_estimate=page.estimate, has_next=page.has_next
    )


@dataclass(frozen=True)
class IdPage:
    """One page of a filtered list as paper row ids, in the view's order."""

    ids: list[int]
    has_next: bool
    total: int
    estimate: bool = False


def select_page(
    session: Session,
    filters: PaperFilters,
    page_size: int = PAGE_SIZE,
    *,
    ranked_limit: int = RANKED_LIMIT,
) -> IdPage:
    """The ids of one page of papers matching `filters`, in the view's order.

    shuffle: the seeded draw. q: by relevance (title matches first) when at most `ranked_limit`
    papers match, else newest stored first. day: that day's announcement order. Otherwise newest
    first announcement first.
    """
    search = None
    if filters.q:
        search = parse_search(filters.q)
        if search is None:  # nothing searchable in it: "-", "$$", only stop words
            return IdPage([], False, 0)
    offset = (filters.page - 1) * page_size
    if filters.day is not None and search is None and filters.shuffle is None:
        checks = (n.check(PaperListing.paper_id) for n in _narrowings(filters, listings=False))
        listed = day_order(filters.day, filters.sources, checks)
        return _slice(list(session.scalars(listed)), offset, page_size)
    ordered = filters.shuffle is None and search is None
    narrowings = _narrowings(filters)
    selection = select_papers(session, narrowings, search, ranked_limit, ordered=ordered)
    if selection is None:
        return IdPage([], False, 0)
    if filters.shuffle is not None:
        return _shuffled(session, selection, filters.shuffle, offset, page_size)
    if search is not None:
        return _searched(session, selection, offset, page_size)
    return _newest(session, selection, offset, page_size)


def _slice(ordered: list[int], offset: int, size: int) -> IdPage:
    return IdPage(ordered[offset : offset + size], len(ordered) > offset + size, len(ordered))


def _newest(session: Session, selection: Selection, offset: int, size: int) -> IdPage:
    if selection.matches is not None:
        return _slice(selection.matches, offset, size)
    statement = selection.base.order_by(*newest_first(session)).limit(size + 1).offset(offset)
    ids = list(session.scalars(statement))
    return IdPage(ids[:size], len(ids) > size, *count_total(session, selection))


def _searched(session: Session, selection: Selection, offset: int, size: int) -> IdPage:
    """A rare query by relevance over every match; a common one newest stored first through the
    index, never sorting every match (issue 4, PERF-NOTES)."""
    search = selection.search
    if selection.rare:
        ranked = rank_search_matches(session, Paper.id, search, selection.matches)
        return _slice(ranked, offset, size)
    if selection.matches is not None:
        return _slice(sorted(selection.matches, reverse=True), offset, size)
    newest = search_papers(session, selection.base, Paper.id, search, newest_first=True)
    ids = list(session.scalars(newest.limit(size + 1).offset(offset)))
    return IdPage(ids[:size], len(ids) > size, *count_total(session, selection))


def _shuffled(session: Session, selection: Selection, seed: int, offset: int, size: int) -> IdPage:
    candidates = shuffle_candidates(session, selection)
    ids, has_next = draw_page(
        session, selection.base, seed, offset, size, candidates=candidates, search=selection.search
    )
    if candidates is not None:
        return IdPage(ids, has_next, len(candidates))
    return IdPage(ids, has_next, *count_total(session, selection))
