"""Page contexts shared by the HTML pages, and the paper and author pages built from them.

Templates get these frozen dataclasses of plain values and pre-rendered, already-safe markup
(app.web.render), never a session or an ORM object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from app.schemas import PaperItem
from app.web.links import CardLinks, LinkMaker, ViewQuery, author_href, paper_href
from app.web.render import (
    announce_badge,
    card_meta_html,
    date_label,
    doi_url,
    find_code_url,
    fold_abstract,
    readable_date,
    render_text,
    safe_url,
)

NO_TLDR = Markup()
PREPRINT_SITES = (("arxiv.org/", "arXiv"), ("biorxiv.org/", "bioRxiv"), ("medrxiv.org/", "medRxiv"))
SHOWN_AUTHORS = 12  # longer bylines fold the rest behind a "more" control
# The paper page's name for each date label (app.web.render.date_label).
DATE_TERMS = {"Announced": "Announced", "Listed": "First listed here", "Published": "Published"}


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class PaperCard:
    number: str  # "01."
    meta_html: Markup  # number, source label, date and badge (app.web.render.card_meta_html)
    paper_id: str
    href: str
    title_html: Markup
    source_label: str | None
    published: date | None
    published_text: str | None
    date_label: str  # Announced | Listed | Published: what `published` is
    badge: str | None
    badge_kind: str | None
    authors: tuple[Link, ...]
    more_authors: tuple[Link, ...]
    active_authors: frozenset[str]
    categories: tuple[Link, ...]
    abstract_html: Markup
    abstract_more_html: Markup
    abs_url: str | None
    abs_text: str
    pdf_url: str | None
    doi_url: str | None
    journal_url: str | None  # a preprint's journal version (twins): its page, else its DOI
    journal_ref: str | None
    code_url: str | None
    # One sentence, shown when TLDR_ON_CARDS is on (app.web.render.tldr_html); pages fill it in.
    tldr_html: Markup = NO_TLDR


@dataclass(frozen=True)
class Pager:
    page: int
    previous_href: str | None
    next_href: str | None


@dataclass(frozen=True)
class PaperDetail:
    """One paper with everything stored about it."""

    card: PaperCard
    title_text: str
    authors: tuple[Link, ...]
    comments_html: Markup | None
    categories: tuple[Link, ...]
    version: int | None
    doi: str | None
    journal_doi: str | None
    date_term: str  # "Announced", "First listed here" …
    day_href: str | None
    similar: tuple = ()  # app.web.paper_view.SimilarLink, best first


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    message: str


def make_card(
    item: PaperItem, number: int | str, links: LinkMaker, full: bool = False
) -> PaperCard:
    """A card for `item`; author and category links add a chip to the view `links` stands for.

    `number` is the card's position, or a marker string when a fragment is rendered
    (app.web.cards)."""
    lead, rest = (item.abstract or "", "") if full else fold_abstract(item.abstract or "")
    authors = tuple(Link(name, links.author(name)) for name in item.authors)
    abs_url = safe_url(item.url)
    number_text = f"{number:02d}." if isinstance(number, int) else f"{number}."
    badge = announce_badge(item.announce_type, item.version)
    badge_kind = (item.announce_type or "").split("-")[0] or None
    published_text = readable_date(item.published) if item.published else None
    return PaperCard(
        number=number_text,
        meta_html=card_meta_html(
            number_text, item.source_label, item.published, item.announce_type, item.version
        ),
        paper_id=item.id,
        href=paper_href(item.id),
        title_html=render_text(item.title, links=False),
        source_label=item.source_label,
        published=item.published,
        published_text=published_text,
        date_label=date_label(item.announce_type),
        badge=badge,
        badge_kind=badge_kind,
        authors=authors[:SHOWN_AUTHORS],
        more_authors=authors[SHOWN_AUTHORS:],
        active_authors=frozenset(a.text for a in authors if links.is_active_author(a.text)),
        categories=tuple(Link(c, links.category(c)) for c in item.categories),
        abstract_html=render_text(lead.strip()),
        abstract_more_html=render_text(rest),
        abs_url=abs_url,
        abs_text=_abs_text(abs_url),
        pdf_url=safe_url(item.pdf_url),
        doi_url=doi_url(item.doi),
        journal_url=safe_url(item.journal_url) or doi_url(item.journal_doi),
        journal_ref=item.journal_ref,
        code_url=find_code_url(item.abstract, item.comments),
    )


def _abs_text(abs_url: str | None) -> str:
    """The abstract link's name: the preprint server it points at, else "Article"."""
    found = (name for marker, name in PREPRINT_SITES if abs_url and marker in abs_url)
    return next(found, "Article")


def make_pager(page: int, has_next: bool, query: ViewQuery) -> Pager | None:
    """Previous and next page links of `query`'s view; None when everything fits one page."""
    if page == 1 and not has_next:
        return None
    previous = (
        query.setting("page", str(page - 1) if page > 2 else None).href() if page > 1 else None
    )
    following = query.setting("page", str(page + 1)).href() if has_next else None
    return Pager(page, previous, following)


def build_paper_detail(item: PaperItem, similar: tuple = ()) -> PaperDetail:
    """The paper page: the full abstract, every author and category, comments, identifiers, and
    the similar papers' links (app.web.paper_view)."""
    empty = ViewQuery()
    card = make_card(item, 1, CardLinks.for_query(empty), full=True)
    return PaperDetail(
        card=card,
        title_text=item.title,
        authors=tuple(Link(name, author_href(name)) for name in item.authors),
        comments_html=render_text(item.comments) if item.comments else None,
        categories=tuple(Link(c, empty.adding("category", c).href()) for c in item.categories),
        version=item.version,
        doi=item.doi,
        journal_doi=item.journal_doi,
        date_term=DATE_TERMS[card.date_label],
        day_href=f"/?day={item.published.isoformat()}" if item.published else None,
        similar=similar,
    )
