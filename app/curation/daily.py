"""Filtered paper lists for the Curated Daily page and the JSON API (the read-side door)."""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import BigInteger, ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session

from app.db import (
    SearchQuery,
    count_search_matches,
    estimated_rows,
    is_postgres,
    matching_ids,
    one_of,
    parse_search,
    rank_search_matches,
    search_papers,
)
from app.ingest.text import author_match_key
from app.models import Author, Paper, PaperAuthor, PaperCategory, PaperListing
from app.schemas import PaperItem, PaperPage

PAGE_SIZE = 50
EXACT_COUNT_LIMIT = 10_000
RANKED_LIMIT = 1_000  # a search with at most this many matches is ranked by relevance
SMALL_SET = 5_000  # a filtered set this small is fetched whole, then ordered, counted, drawn here
COMMON_FACTOR = 4  # PostgreSQL: a query its planner expects to match 4x the ranked limit is common
SAMPLE_SIZE = 1_000  # seeded ids probed to estimate a large set's size on SQLite
MAX_DRAWN = 10_000  # cards a shuffle reaches; deeper pages are empty
DRAW_BATCH = (64, 4_000)  # ids probed per query when drawing from a large set
PROBE_BUDGET = 100_000  # ranks probed before a sparse set is fetched whole instead
# A day lists new papers, then cross-lists, then replacements (arXiv's own order).
ANNOUNCE_RANK = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 2}
OTHER_RANK = 3
LISTING_SPAN = 1 << 40  # listing ids stay below this, so rank * span + id orders by both


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


def public_paper_id(arxiv_id: str | None, doi: str | None, key: str) -> str:
    """The stable public key: the arXiv id, else doi:<doi>, else the stored key."""
    if arxiv_id:
        return arxiv_id
    if doi:
        return f"doi:{doi}"
    return key


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
    """One page of papers matching `filters`, in the view's order.

    shuffle: the seeded draw. q: by relevance (title matches first) when at most `ranked_limit`
    papers match, else newest stored first. day: that day's announcement order. Otherwise newest
    first announcement first. With `day`, items carry that day's announce type and version.
    """
    search = None
    if filters.q:
        search = parse_search(filters.q)
        if search is None:  # nothing searchable in it: "-", "$$", only stop words
            return PaperPage(items=[], total=0)
    offset = (filters.page - 1) * page_size
    if filters.day is not None and search is None and filters.shuffle is None:
        page = _slice(list(session.scalars(_day_order(filters))), offset, page_size)
    else:
        ordered = filters.shuffle is None and search is None
        selection = _select(session, filters, search, ranked_limit, ordered=ordered)
        if selection is None:
            page = _Page([], False, 0)
        elif filters.shuffle is not None:
            page = _shuffled(session, selection, filters.shuffle, offset, page_size)
        elif search is not None:
            page = _searched(session, selection, offset, page_size)
        else:
            page = _newest(session, selection, offset, page_size)
    items = load_items(session, page.ids)
    if filters.day is not None:
        items = _as_listed(session, items, page.ids, filters)
    return PaperPage(
        items=items, total=page.total, total_is_estimate=page.estimate, has_next=page.has_next
    )


@dataclass(frozen=True)
class _Page:
    ids: list[int]
    has_next: bool
    total: int
    estimate: bool = False


def _slice(ordered: list[int], offset: int, size: int) -> _Page:
    return _Page(ordered[offset : offset + size], len(ordered) > offset + size, len(ordered))


# --- which papers: small sets fetched whole, large ones walked through an index ------------------


@dataclass(frozen=True)
class _Narrowing:
    """One filter as a set of paper ids: read from its own index, or checked paper by paper."""

    ids: Select
    column: ColumnElement[int]

    def check(self, paper_id=Paper.id) -> ColumnElement[bool]:
        return self.ids.where(self.column == paper_id).exists()


def _narrowings(filters: PaperFilters, *, listings: bool = True) -> list[_Narrowing]:
    """Authors and categories AND together; sources OR together; `day` narrows the listings."""
    found = []
    for name in filters.authors:
        author = select(Author.id).where(Author.match_key == author_match_key(name))
        ids = select(PaperAuthor.paper_id).where(PaperAuthor.author_id == author.scalar_subquery())
        found.append(_Narrowing(ids, PaperAuthor.paper_id))
    for code in filters.categories:
        ids = select(PaperCategory.paper_id).where(PaperCategory.category == code)
        found.append(_Narrowing(ids, PaperCategory.paper_id))
    if listings and (filters.sources or filters.day):
        ids = select(PaperListing.paper_id).distinct()  # a paper may be listed more than once
        if filters.sources:
            ids = ids.where(PaperListing.source_id.in_(filters.sources))
        if filters.day:
            ids = ids.where(PaperListing.listed_on == filters.day)
        found.append(_Narrowing(ids, PaperListing.paper_id))
    return found


@dataclass(frozen=True)
class _Selection:
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


def _select(
    session: Session,
    filters: PaperFilters,
    search: SearchQuery | None,
    ranked_limit: int,
    *,
    ordered: bool,
) -> _Selection | None:
    """The selection for `filters`, or None when one of them matches nothing.

    Each filter is sized on its own index (counting stops past EXACT_COUNT_LIMIT). The smallest,
    when at most SMALL_SET, drives: its ids are fetched and the other filters checked on each,
    so an author's page costs the author's papers, not the table. Without one, every filter is
    a check made while an index (newest first, the full-text index) is walked.
    """
    narrowings = _narrowings(filters)
    sizes = [_bounded_count(session, n.ids, EXACT_COUNT_LIMIT) for n in narrowings]
    if 0 in sizes:
        return None
    rare = _rare_matches(session, search, ranked_limit) if search is not None else None
    if narrowings and min(sizes) <= SMALL_SET:
        driver = narrowings.pop(sizes.index(min(sizes)))
        base = select(Paper.id).where(Paper.id.in_(driver.ids), *(n.check() for n in narrowings))
        # Only the newest-first view needs them in order (a heap visit per paper on PostgreSQL).
        fetch = base.order_by(*_newest_first(session)) if ordered else base
        matches = list(session.scalars(fetch))
        if rare is not None:
            keep = set(rare)
            matches = [i for i in matches if i in keep]
        elif search is not None:
            keep = matching_ids(session, Paper.id, search, matches)
            matches = [i for i in matches if i in keep]
        return _Selection(base, search, matches, narrowed=True, rare=rare is not None)
    base = select(Paper.id).where(*(n.check() for n in narrowings))
    counted = sizes[0] if len(sizes) == 1 and search is None else None
    selection = _Selection(base, search, None, bool(narrowings), rare is not None, counted)
    if rare is not None:
        present = _present(session, base, None, rare) if narrowings else set(rare)
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


def _bounded_count(session: Session, statement: Select, limit: int) -> int:
    bounded = statement.limit(limit + 1).subquery()
    return session.scalar(select(func.count()).select_from(bounded)) or 0


def _newest_first(session: Session) -> tuple[ColumnElement, ...]:
    # SQLite already puts NULLs last in DESC (and then its published_on index serves the order);
    # PostgreSQL needs NULLS LAST spelled out to match ix_papers_newest.
    if is_postgres(session):
        return Paper.published_on.desc().nulls_last(), Paper.id.desc()
    return Paper.published_on.desc(), Paper.id.desc()


def _newest(session: Session, selection: _Selection, offset: int, size: int) -> _Page:
    if selection.matches is not None:
        return _slice(selection.matches, offset, size)
    statement = selection.base.order_by(*_newest_first(session)).limit(size + 1).offset(offset)
    ids = list(session.scalars(statement))
    return _Page(ids[:size], len(ids) > size, *_total(session, selection))


def _searched(session: Session, selection: _Selection, offset: int, size: int) -> _Page:
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
    return _Page(ids[:size], len(ids) > size, *_total(session, selection))


def _shuffled(session: Session, selection: _Selection, seed: int, offset: int, size: int) -> _Page:
    candidates = selection.matches
    if candidates is None and selection.search is not None and not selection.narrowed:
        # A query matching a few thousand papers: fetching them beats probing for them.
        walked = selection.walked(session)
        expected = estimated_rows(session, walked)
        if expected is None or expected <= 2 * SMALL_SET:
            small = list(session.scalars(walked.limit(SMALL_SET + 1)))
            candidates = small if len(small) <= SMALL_SET else None
    ids, has_next = draw_page(
        session, selection.base, seed, offset, size, candidates=candidates, search=selection.search
    )
    if candidates is not None:
        return _Page(ids, has_next, len(candidates))
    return _Page(ids, has_next, *_total(session, selection))


def _total(session: Session, selection: _Selection) -> tuple[int, bool]:
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
    count = _bounded_count(session, statement, EXACT_COUNT_LIMIT)
    if count <= EXACT_COUNT_LIMIT:
        return count, False
    if expected <= count:  # the planner's statistics are stale (a new table): sample instead
        expected = _sampled_count(session, selection)
    return max(count, expected), True


def _sampled_count(session: Session, selection: _Selection) -> int:
    """How many papers `selection` holds, from the share of SAMPLE_SIZE seeded ids it keeps."""
    # Two statements: SQLite answers min() or max() from an index, not both in one.
    low = session.scalar(select(func.min(Paper.id)))
    high = session.scalar(select(func.max(Paper.id)))
    span = (high or 0) - (low or 0) + 1
    if high is None or span <= SAMPLE_SIZE:
        return _bounded_count(session, selection.walked(session), span)
    permutation = permutation_for(0, span)
    sample: list[int] = []
    rank = 0
    while len(sample) < SAMPLE_SIZE:
        value = permutation.value(rank)
        rank += 1
        if value < span:
            sample.append(low + value)
    hits = len(_present(session, selection.base, selection.search, sample))
    return round(hits * span / len(sample))


def _present(
    session: Session, matching: Select, search: SearchQuery | None, ids: list[int]
) -> set[int]:
    """Which of `ids` exist and match (`matching`, then the query)."""
    found = set(session.scalars(matching.where(one_of(session, Paper.id, ids))))
    if search is not None and found:
        found &= matching_ids(session, Paper.id, search, sorted(found))
    return found


# --- a day's announcement order -------------------------------------------------------------------


def _announce_rank(announce_type) -> ColumnElement[int]:
    return case(ANNOUNCE_RANK, value=announce_type, else_=OTHER_RANK)


def _day_order(filters: PaperFilters) -> Select:
    """Papers listed on `filters.day`: new, then cross-lists, then replacements, each in feed
    order (listing ids grow in document order); a paper listed twice counts its best listing."""
    span = literal(LISTING_SPAN, BigInteger())
    best = func.min(_announce_rank(PaperListing.announce_type) * span + PaperListing.id)
    checks = (n.check(PaperListing.paper_id) for n in _narrowings(filters, listings=False))
    statement = select(PaperListing.paper_id).where(PaperListing.listed_on == filters.day, *checks)
    if filters.sources:
        statement = statement.where(PaperListing.source_id.in_(filters.sources))
    return statement.group_by(PaperListing.paper_id).order_by(best, PaperListing.paper_id)


def _as_listed(
    session: Session, items: list[PaperItem], ids: list[int], filters: PaperFilters
) -> list[PaperItem]:
    """Items with the announce type and version their listing had on `filters.day`."""
    if not ids:
        return items
    statement = select(
        PaperListing.paper_id, PaperListing.announce_type, PaperListing.version, PaperListing.id
    ).where(PaperListing.listed_on == filters.day, one_of(session, PaperListing.paper_id, ids))
    if filters.sources:
        statement = statement.where(PaperListing.source_id.in_(filters.sources))
    chosen = best_listings(session.execute(statement))
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


# --- shuffle --------------------------------------------------------------------------------------


class SeededPermutation:
    """A seeded bijection on [0, 2**bits): the draw order of a shuffle.

    A shuffle lists ids by their rank under the permutation, so a filtered shuffle is the
    unfiltered one with other papers left out, new papers slot in without reordering the rest,
    and the order is plain integer arithmetic: the same on every database and machine.
    """

    ROUNDS = 4

    def __init__(self, seed: int, bits: int) -> None:
        self.bits = bits
        self.mask = (1 << bits) - 1
        self.shift = (bits + 1) // 2  # x ^ x >> shift, with 2 * shift >= bits, is its own inverse
        digest = hashlib.blake2b(str(seed).encode(), digest_size=16 * self.ROUNDS).digest()
        words = [int.from_bytes(digest[i : i + 8], "little") for i in range(0, len(digest), 8)]
        keys = [w & self.mask for w in words[0::2]]
        multipliers = [(w | 1) & self.mask for w in words[1::2]]  # odd: invertible mod 2**bits
        self._rounds = list(zip(keys, multipliers, strict=True))
        inverses = [pow(m, -1, 1 << bits) for m in multipliers]
        self._inverse_rounds = list(zip(keys, inverses, strict=True))[::-1]

    def rank(self, value: int) -> int:
        """Where `value` comes in the draw (0 first)."""
        mask, shift = self.mask, self.shift
        for key, multiplier in self._rounds:
            value = ((value ^ key) * multiplier) & mask
            value ^= value >> shift
        return value

    def value(self, rank: int) -> int:
        """The value drawn at `rank` (the inverse of `rank`)."""
        mask, shift = self.mask, self.shift
        for key, inverse in self._inverse_rounds:
            rank ^= rank >> shift
            rank = ((rank * inverse) & mask) ^ key
        return rank


def permutation_for(seed: int, max_id: int) -> SeededPermutation:
    """The permutation a shuffle with `seed` uses over ids up to `max_id` (at least 2**16 wide, so
    small collections are mixed as well as large ones)."""
    return SeededPermutation(seed, max(16, max_id.bit_length()))


def draw_order(permutation: SeededPermutation, ids: Iterable[int], count: int) -> list[int]:
    """The first `count` of `ids` in the draw order."""
    return heapq.nsmallest(count, ids, key=permutation.rank)


def draw_page(
    session: Session,
    matching: Select,
    seed: int,
    offset: int,
    size: int,
    *,
    candidates: Sequence[int] | None = None,
    search: SearchQuery | None = None,
) -> tuple[list[int], bool]:
    """Ids `offset`… of the seeded draw from `matching` (a select of paper ids, narrowed further
    by `search`), and whether more follow. Given every matching id (`candidates`, a small set),
    they are put in draw order; otherwise the draw order is walked, a batch of candidate ids at
    a time, checking which exist and match, so neither sorts nor scans the table (DESIGN:
    shuffle). Both give the same draw."""
    if offset >= MAX_DRAWN:
        return [], False
    need = min(offset + size, MAX_DRAWN) + 1
    max_id = session.scalar(select(func.max(Paper.id))) or 0
    permutation = permutation_for(seed, max_id)
    if candidates is not None:
        drawn = draw_order(permutation, candidates, need)
    else:
        drawn = _probe(session, matching, search, permutation, max_id, need)
    page = drawn[offset : offset + size]
    return page, len(drawn) > offset + size and offset + size < MAX_DRAWN


def _probe(
    session: Session,
    matching: Select,
    search: SearchQuery | None,
    permutation: SeededPermutation,
    max_id: int,
    need: int,
) -> list[int]:
    """Walk the draw order, keeping the ids that exist and match, until `need` are found.

    A set too sparse for that (two large filters that barely overlap) is fetched whole once
    PROBE_BUDGET ranks found too few: it is small then, and the draw comes out the same.
    """
    found: list[int] = []
    rank, batch, size = 0, max(DRAW_BATCH[0], 2 * need), 1 << permutation.bits
    while len(found) < need and rank < size:
        if rank >= PROBE_BUDGET:
            everything = list(session.scalars(matching))
            if search is not None:
                keep = matching_ids(session, Paper.id, search, everything)
                everything = [i for i in everything if i in keep]
            return draw_order(permutation, everything, need)
        stop = min(rank + batch, size)
        candidates = [v for v in map(permutation.value, range(rank, stop)) if 0 < v <= max_id]
        rank = stop
        if candidates:
            present = _present(session, matching, search, candidates)
            found.extend(v for v in candidates if v in present)
        density = max(len(found), 1) / rank  # a lower bound while nothing has been found
        batch = int(min(DRAW_BATCH[1], max(DRAW_BATCH[0], 1.25 * (need - len(found)) / density)))
    return found[:need]


# --- days and versions ----------------------------------------------------------------------------


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
    """Changes whenever papers or listings change: the basis of ETag / Last-Modified.

    Three index lookups (ix_papers_modified_at and two primary keys), whatever the table size.
    """
    modified = session.scalar(select(func.max(Paper.modified_at)))
    newest = session.scalar(select(func.max(Paper.id)))
    listings = session.scalar(select(func.max(PaperListing.id)))
    stamp = modified.isoformat() if modified else "-"
    return f"{stamp}/{newest or 0}/{listings or 0}"


def get_paper(session: Session, public_id: str) -> PaperItem | None:
    """One paper by its public id (arXiv id, or doi:<doi>)."""
    if public_id.startswith("doi:"):
        statement = select(Paper.id).where(Paper.doi == public_id[4:].lower())
    else:
        statement = select(Paper.id).where(Paper.arxiv_id == public_id)
    paper_id = session.scalars(statement.order_by(Paper.id).limit(1)).first()
    if paper_id is None:
        return None
    return load_items(session, [paper_id])[0]


def load_items(session: Session, ids: list[int]) -> list[PaperItem]:
    """Paper items for `ids`, in that order, with four batched queries (no N+1)."""
    if not ids:
        return []
    papers = {p.id: p for p in session.scalars(select(Paper).where(Paper.id.in_(ids)))}
    authors: dict[int, list[str]] = {i: [] for i in ids}
    author_rows = session.execute(
        select(PaperAuthor.paper_id, Author.name)
        .join(Author, Author.id == PaperAuthor.author_id)
        .where(PaperAuthor.paper_id.in_(ids))
        .order_by(PaperAuthor.paper_id, PaperAuthor.position)
    )
    for paper_id, name in author_rows:
        authors[paper_id].append(name)
    categories: dict[int, list[str]] = {i: [] for i in ids}
    category_rows = session.execute(
        select(PaperCategory.paper_id, PaperCategory.category)
        .where(PaperCategory.paper_id.in_(ids))
        .order_by(PaperCategory.paper_id, PaperCategory.position)
    )
    for paper_id, code in category_rows:
        categories[paper_id].append(code)
    sources: dict[int, set[int]] = {i: set() for i in ids}
    listing_rows = session.execute(
        select(PaperListing.paper_id, PaperListing.source_id).where(PaperListing.paper_id.in_(ids))
    )
    for paper_id, source_id in listing_rows:
        sources[paper_id].add(source_id)
    return [_item(papers[i], authors[i], categories[i], sorted(sources[i])) for i in ids]


def _item(paper: Paper, authors: list[str], categories: list[str], sources: list[int]) -> PaperItem:
    return PaperItem(
        id=public_paper_id(paper.arxiv_id, paper.doi, paper.key),
        title=paper.title,
        authors=authors,
        abstract=paper.abstract,
        source_label=paper.source_label,
        sources=sources,
        published=paper.published_on,
        url=paper.url,
        pdf_url=paper.pdf_url,
        categories=categories,
        announce_type=paper.announce_type,
        version=paper.version,
        doi=paper.doi,
        comments=paper.comments,
        journal_ref=paper.journal_ref,
        abstract_html=paper.abstract_html,
    )
