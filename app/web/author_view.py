"""The author page context: one author's papers, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.orm import Session

from app.curation.daily import PAGE_SIZE, PaperFilters, select_page
from app.web.card_store import page_cards
from app.web.links import CardLinks, ViewQuery, author_href
from app.web.views import Pager, make_pager


@dataclass(frozen=True)
class AuthorPage:
    """One author's papers, newest first."""

    name: str
    summary: str
    cards: tuple[Markup, ...]  # rendered cards (app.web.cards)
    pager: Pager | None
    filter_href: str
    feed_href: str


def build_author_page(session: Session, name: str, page_number: int) -> AuthorPage | None:
    """An author's papers, newest first; None when nobody of that name is stored."""
    filters = PaperFilters(authors=(name,), page=page_number)
    page = select_page(session, filters)
    if not page.ids and page_number == 1:
        return None
    query = ViewQuery.from_filters(filters)
    first_number = (page_number - 1) * PAGE_SIZE + 1
    total = f"{'about ' if page.estimate else ''}{page.total:,}"
    return AuthorPage(
        name=name,
        summary=f"{total} paper{'' if page.total == 1 else 's'}, newest first",
        cards=page_cards(session, page.ids, first_number, CardLinks.for_query(query)),
        pager=_author_pager(name, page_number, page.has_next),
        filter_href=ViewQuery((("author", name),)).href(),
        feed_href=ViewQuery((("author", name),)).href("/feeds/atom"),
    )


def _author_pager(name: str, page: int, has_next: bool) -> Pager | None:
    pager = make_pager(page, has_next, ViewQuery())
    if pager is None:
        return None
    path = author_href(name)
    return Pager(
        page,
        None if pager.previous_href is None else path + pager.previous_href[1:],
        None if pager.next_href is None else path + pager.next_href[1:],
    )
