"""Filtered paper lists for the Curated Daily page and the JSON API (the read-side door)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from app.ingest.text import author_match_key
from app.models import Author, Paper, PaperAuthor, PaperCategory, PaperListing
from app.schemas import PaperItem, PaperPage

PAGE_SIZE = 50
EXACT_COUNT_LIMIT = 10_000


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


def _filtered(filters: PaperFilters) -> Select:
    statement = select(Paper.id)
    for name in filters.authors:
        statement = statement.where(
            exists()
            .where(PaperAuthor.paper_id == Paper.id)
            .where(PaperAuthor.author_id == Author.id)
            .where(Author.match_key == author_match_key(name))
        )
    for code in filters.categories:
        statement = statement.where(
            exists().where(PaperCategory.paper_id == Paper.id, PaperCategory.category == code)
        )
    if filters.sources or filters.day:
        listing = exists().where(PaperListing.paper_id == Paper.id)
        if filters.sources:
            listing = listing.where(PaperListing.source_id.in_(filters.sources))
        if filters.day:
            listing = listing.where(PaperListing.listed_on == filters.day)
        statement = statement.where(listing)
    if filters.q:
        pattern = f"%{filters.q.lower()}%"
        statement = statement.where(
            or_(func.lower(Paper.title).like(pattern), func.lower(Paper.abstract).like(pattern))
        )
    return statement


def list_papers(session: Session, filters: PaperFilters, page_size: int = PAGE_SIZE) -> PaperPage:
    """One page of papers matching `filters`, newest first announcement first."""
    ids_query = _filtered(filters).order_by(Paper.published_on.desc().nulls_last(), Paper.id.desc())
    offset = (filters.page - 1) * page_size
    ids = list(session.scalars(ids_query.limit(page_size + 1).offset(offset)))
    has_next = len(ids) > page_size
    ids = ids[:page_size]
    total, estimate = _count(session, filters)
    return PaperPage(
        items=load_items(session, ids), total=total, total_is_estimate=estimate, has_next=has_next
    )


def _count(session: Session, filters: PaperFilters) -> tuple[int, bool]:
    """Exact up to 10,000; above that an estimate, so no page pays for counting a million rows."""
    bounded = _filtered(filters).limit(EXACT_COUNT_LIMIT + 1).subquery()
    count = session.scalar(select(func.count()).select_from(bounded)) or 0
    if count <= EXACT_COUNT_LIMIT:
        return count, False
    if filters.is_empty:
        return session.scalar(select(func.max(Paper.id))) or count, True
    return count, True


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
    """Changes whenever papers or listings change: the basis of ETag / Last-Modified."""
    papers = session.execute(select(func.max(Paper.modified_at), func.max(Paper.id))).one()
    listings = session.scalar(select(func.max(PaperListing.id)))
    stamp = papers[0].isoformat() if papers[0] else "-"
    return f"{stamp}/{papers[1] or 0}/{listings or 0}"


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
    """Paper items for `ids`, in that order, with three batched queries (no N+1)."""
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
