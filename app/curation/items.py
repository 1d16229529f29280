"""Paper items for pages and the API: loaded in batches, looked up by their public id."""

from __future__ import annotations

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from app.models import Author, Paper, PaperAuthor, PaperCategory, PaperListing
from app.schemas import PaperItem


def public_paper_id(arxiv_id: str | None, doi: str | None, key: str) -> str:
    """The stable public key: the arXiv id, else doi:<doi>, else the stored key."""
    if arxiv_id:
        return arxiv_id
    if doi:
        return f"doi:{doi}"
    return key


def get_paper(session: Session, public_id: str) -> PaperItem | None:
    """One paper by its public id (arXiv id, or doi:<doi>)."""
    if public_id.startswith("doi:"):
        doi = public_id[4:].lower()
        # A journal article's id keeps working after its preprint took its paper over (twins).
        statement = (
            select(Paper.id)
            .where(or_(Paper.doi == doi, Paper.journal_doi == doi))
            .order_by(case((Paper.doi == doi, 0), else_=1), Paper.id)
        )
    else:
        statement = select(Paper.id).where(Paper.arxiv_id == public_id).order_by(Paper.id)
    paper_id = session.scalars(statement.limit(1)).first()
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
        journal_doi=paper.journal_doi,
        journal_url=paper.journal_url,
        comments=paper.comments,
        journal_ref=paper.journal_ref,
        abstract_html=paper.abstract_html,
    )
