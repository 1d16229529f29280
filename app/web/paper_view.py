"""The paper page context: the paper, and the papers most like it (app.radar.similar)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.orm import Session

from app.curation.items import find_paper_id, load_items
from app.radar.similar import similar_papers
from app.web.links import paper_href
from app.web.render import render_text
from app.web.views import PaperDetail, build_paper_detail

SHOWN_AUTHORS = 3  # then "et al."


@dataclass(frozen=True)
class SimilarLink:
    """One similar paper: a link to its page, its byline and the terms it shares."""

    href: str
    title_html: Markup
    authors: str
    shared_terms: str


def build_paper_page(session: Session, public_id: str) -> PaperDetail | None:
    """The paper page for public id `public_id`; None when no such paper is stored."""
    row_id = find_paper_id(session, public_id)
    if row_id is None:
        return None
    item = load_items(session, [row_id])[0]
    return build_paper_detail(item, similar=build_similar_links(session, row_id))


def build_similar_links(session: Session, row_id: int) -> tuple[SimilarLink, ...]:
    """The "Similar papers" section's links, best first."""
    similar = similar_papers(session, row_id)
    items = load_items(session, [found.paper_id for found in similar])
    return tuple(
        SimilarLink(
            href=paper_href(item.id),
            title_html=render_text(item.title, links=False),
            authors=byline(item.authors),
            shared_terms=", ".join(found.shared_terms),
        )
        for found, item in zip(similar, items, strict=True)
    )


def byline(authors: list[str]) -> str:
    """The first SHOWN_AUTHORS names, then "et al."."""
    shown = ", ".join(authors[:SHOWN_AUTHORS])
    return f"{shown} et al." if len(authors) > SHOWN_AUTHORS else shown
