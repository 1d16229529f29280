"""Which papers a filtered view draws from, and how many: small sets fetched whole, large ones
walked through an index and counted exactly up to a limit, estimated above it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from app.curation.shuffle import permutation_for, present_ids
from app.db import is_postgres
from app.models import Paper
from app.search import (
    SearchQuery,
    count_search_matches,
    estimated_rows,
    matching_ids,
    search_papers,
)

EXACT_COUNT_LIMIT = 10_000
SMALL_SET = 5_000  # a filtered set this small is fetched whole, then ordered, counted, drawn here
COMMON_FACTOR = 4  # PostgreSQL: a query its planner expects to match 4x the ranked limit is common
SAMPLE_SIZE = 1_000  # seeded ids probed to estimate a large set's size on SQLite


@dataclass(frozen=True)
class Narrowing:
    """One filter as a set of paper ids: read from its own index, or checked paper by paper."""

    ids: Select
    column: ColumnElement[int]

    def check(self, paper_id=Paper.id) -> ColumnElement[bool]:
        return self.ids.where(self.column == paper_id).exists()


@dataclass(frozen=True)
class Selection:
    """The papers a view draws from: `base` applies every filter but the query.

    `matches` lists every paper matching all of it (newest first when asked for `ordered`), when
    that was cheap to learn: a small filter drove, or the query is rare. `rare` says the query
    alone matches few papers (to be ranked by relevance); a common one goes newest first.
    """

    base: Select
    search: SearchQuery | None
    matches: list[int] | None = None
    narrowed: bool = False
    rare: bool = False
    # A lone filter's size, counted on its own index up to EXACT_COUNT_LIMIT + 1.
    counted: int | None = None

    def walked(self, session: Session) -> Select:
        """Every match, the full-text index leading when there is a query."""
        if self.search is None:
            return self.base
        return search_papers(session, self.base, Paper.id, self.search)


def select_papers(
    session: Session,
    narrowings: list[Narrowing],
    search: SearchQuery | None,
    ranked_limit: int,
    *,
    ordered: bool,
) -> Selection | None:
    """The selection for the filters `narrowings` hold, or None when one of them matches nothing.

    Each filter is sized on its own index (counting stops past EXACT_COUNT_LIMIT). The smallest,
    when at most SMALL_SET, drives: its ids are fetched and the other filters checked on each,
    so an author's page costs the author's papers, not the table. Without one, every filter is
    a check made while an index (newest first, the full-text index) is walked.
    """
    narrowings = list(narrowings)  # the driver is taken out of the caller's copy, not theirs
    sizes = [bounded_count(session, n.ids, EXACT_COUNT_LIMIT) for n in narrowings]
    if 0 in sizes:
        return None
    rare = _rare_matches(session, search, ranked_limit) if search is not None else None
    if narrowings and min(sizes) <= SMALL_SET:
        driver = narrowings.pop(sizes.index(min(sizes)))
        base = select(Paper.id).where(Paper.id.in_(driver.ids), *(n.check() for n in narrowings))
        # Only the newest-first view needs them in order (a heap visit per paper on PostgreSQL).
        fetch = base.order_by(*newest_first(session)) if ordered else base
        matches = list(session.scalars(fetch))
        if rare is not None:
            keep = set(rare)
            matches = [i for i in matches if i in keep]
        elif search is not None:
            keep = matching_ids(session, Paper.id, search, matches)
            matches = [i for i in matches if i in keep]
        return Selection(base, search, matches, narrowed=True, rare=rare is not None)
    base = select(Paper.id).where(*(n.check() for n in narrowings))
    counted = sizes[0] if len(sizes) == 1 and search is None else None
    selection = Selection(base, search, None, bool(narrowings), rare is not None, counted)
    if rare is not None:
        present = present_ids(session, base, None, rare) if narrowings else set(rare)
        return replace(selection, matches=[i for i in rare if i in present])
    return selection


def _rare_matches(session: Session, search: SearchQuery, limit: int) -> list[int] | None:
    """Every paper the query alone matches (newest first), or None when there are more than
    `limit` (PostgreSQL's planner, when it expects many, spares the probe)."""
    walked = search_papers(session, select(Paper.id), Paper.id, search)
    expected = estimated_rows(session, walked)
    if expected is not None and expected > COMMON_FACTOR * limit:
        return None
    found = list(session.scalars(walked.limit(limit + 1)))
    return sorted(found, reverse=True) if len(found) <= limit else None


def bounded_count(session: Session, statement: Select, limit: int) -> int:
    bounded = statement.limit(limit + 1).subquery()
    return session.scalar(select(func.count()).select_from(bounded)) or 0


def newest_first(session: Session) -> tuple[ColumnElement, ...]:
    # SQLite already puts NULLs last in DESC (and then its published_on index serves the order);
    # PostgreSQL needs NULLS LAST spelled out to match ix_papers_newest.
    if is_postgres(session):
        return Paper.published_on.desc().nulls_last(), Paper.id.desc()
    return Paper.published_on.desc(), Paper.id.desc()


def shuffle_candidates(session: Session, selection: Selection) -> list[int] | None:
    """Every id a shuffle draws from, when that is known or cheap to fetch; else None (probe)."""
    candidates = selection.matches
    if candidates is None and selection.search is not None and not selection.narrowed:
        # A query matching a few thousand papers: fetching them beats probing for them.
        walked = selection.walked(session)
        expected = estimated_rows(session, walked)
        if expected is None or expected <= 2 * SMALL_SET:
            small = list(session.scalars(walked.limit(SMALL_SET + 1)))
            candidates = small if len(small) <= SMALL_SET else None
    return candidates


def count_total(session: Session, selection: Selection) -> tuple[int, bool]:
    """Exact up to 10,000; above that an estimate, so no page pays for counting a million rows:
    the largest id with no filter, else PostgreSQL's planner or, on SQLite, a seeded sample."""
    statement = selection.walked(session)
    if selection.counted is not None and selection.counted <= EXACT_COUNT_LIMIT:
        return selection.counted, False
    if not selection.narrowed and selection.search is None:
        expected = session.scalar(select(func.max(Paper.id))) or 0
    elif not selection.narrowed:
        exact = count_search_matches(session, selection.search)
        if exact is not None:
            return exact, False
        expected = estimated_rows(session, statement) or 0
    else:
        expected = estimated_rows(session, statement)
        if expected is None:
            expected = _sampled_count(session, selection)
    if expected > 2 * EXACT_COUNT_LIMIT or selection.counted is not None:
        return max(expected, EXACT_COUNT_LIMIT + 1), True
    count = bounded_count(session, statement, EXACT_COUNT_LIMIT)
    if count <= EXACT_COUNT_LIMIT:
        return count, False
    if expected <= count:  # the planner's statistics are stale (a new table): sample instead
        expected = _sampled_count(session, selection)
    return max(count, expected), True


def _sampled_count(session: Session, selection: Selection) -> int:
    """How many papers `selection` holds, from the share of SAMPLE_SIZE seeded ids it keeps."""
    # Two statements: SQLite answers min() or max() from an index, not both in one.
    low = session.scalar(select(func.min(Paper.id)))
    high = session.scalar(select(func.max(Paper.id)))
    span = (high or 0) - (low or 0) + 1
    if high is None or span <= SAMPLE_SIZE:
        return bounded_count(session, selection.walked(session), span)
    permutation = permutation_for(0, span)
    sample: list[int] = []
    rank = 0
    while len(sample) < SAMPLE_SIZE:
        value = permutation.value(rank)
        rank += 1
        if value < span:
            sample.append(low + value)
    hits = len(present_ids(session, selection.base, selection.search, sample))
    return round(hits * span / len(sample))
