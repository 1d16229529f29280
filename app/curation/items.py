"""Paper items for pages and the API: loaded in batches, looked up by their public id."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Row, Select, case, or_, select
from sqlalchemy.orm import Session

from app.db import among_bound_ids, is_postgres
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
    paper_id = find_paper_id(session, public_id)
    if paper_id is None:
        return None
    return load_items(session, [paper_id])[0]


def find_paper_id(session: Session, public_id: str) -> int | None:
    """The row id of the paper with public id `public_id` (arXiv id, or doi:<doi>)."""
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
    return session.scalars(statement.limit(1)).first()


def load_items(session: Session, ids: list[int]) -> list[PaperItem]:
    """Paper items for `ids`, in that order, with four batched queries (no N+1)."""
    if not ids:
        return []
    statements = _item_statements(is_postgres(session))
    values = {"ids": list(ids)}
    papers = {row.id: row for row in session.execute(statements.papers, values)}
    authors: dict[int, list[str]] = {i: [] for i in ids}
    for paper_id, name in session.execute(statements.authors, values):
        authors[paper_id].append(name)
    categories: dict[int, list[str]] = {i: [] for i in ids}
    for paper_id, code in session.execute(statements.categories, values):
        categories[paper_id].append(code)
    sources: dict[int, set[int]] = {i: set() for i in ids}
    for paper_id, source_id in session.execute(statements.sources, values):
        sources[paper_id].add(source_id)
    return [_item(papers[i], authors[i], categories[i], sorted(sources[i])) for i in ids]


class _ItemStatements(NamedTuple):
    papers: Select
    authors: Select
    categories: Select
    sources: Select


@lru_cache(maxsize=2)
def _item_statements(postgres: bool) -> _ItemStatements:
    # Built once with an `ids` parameter: pages and the API load 50 items a request, and
    # building the statements anew (50 literals coerced each) cost more than running them.
    # Columns rather than ORM entities, for the same reason.
    return _ItemStatements(
        papers=select(*ITEM_COLUMNS).where(among_bound_ids(Paper.id, postgres)),
        authors=select(PaperAuthor.paper_id, Author.name)
        .join(Author, Author.id == PaperAuthor.author_id)
        .where(among_bound_ids(PaperAuthor.paper_id, postgres))
        .order_by(PaperAuthor.paper_id, PaperAuthor.position),
        categories=select(PaperCategory.paper_id, PaperCategory.category)
        .where(among_bound_ids(PaperCategory.paper_id, postgres))
        .order_by(PaperCategory.paper_id, PaperCategory.position),
        sources=select(PaperListing.paper_id, PaperListing.source_id).where(
            among_bound_ids(PaperListing.paper_id, postgres)
        ),
    )


ITEM_COLUMNS = (
    Paper.id,
    Paper.key,
    Paper.arxiv_id,
    Paper.doi,
    Paper.title,
    Paper.abstract,
    Paper.abstract_html,
    Paper.source_label,
    Paper.published_on,
    Paper.url,
    Paper.pdf_url,
    Paper.announce_type,
    Paper.version,
    Paper.comments,
    Paper.journal_ref,
    Paper.journal_doi,
    Paper.journal_url,
)


def _item(paper: Row, authors: list[str], categories: list[str], sources: list[int]) -> PaperItem:
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
