"""Fixtures of the delivery tests: the page tests' papers and app client, and a small radar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.curation.items import load_items
from app.deliveries.digest import DigestItem
from app.models import Author, Follow, PaperAuthor, PaperListing
from tests.web.conftest import client, seeded  # noqa: F401  (shared fixtures)


def followed_authors_radar(session: Session, user_id: int, day: date) -> list[DigestItem]:
    """A small real radar: papers listed on `day` by an author the person follows."""
    followed = select(Follow.match_key).where(
        Follow.user_id == user_id, Follow.kind == "author", Follow.muted.is_(False)
    )
    statement = (
        select(PaperListing.paper_id, Author.name)
        .join(PaperAuthor, PaperAuthor.paper_id == PaperListing.paper_id)
        .join(Author, Author.id == PaperAuthor.author_id)
        .where(PaperListing.listed_on == day, Author.match_key.in_(followed))
        .order_by(PaperListing.paper_id, PaperAuthor.position)
    )
    reasons: dict[int, list[str]] = {}
    for paper_id, name in session.execute(statement):
        reason = f"you follow {name}"
        if reason not in reasons.setdefault(paper_id, []):
            reasons[paper_id].append(reason)
    items = load_items(session, list(reasons))
    return [
        DigestItem(item.id, item.title, tuple(item.authors), item.url, item.pdf_url, tuple(why))
        for item, why in zip(items, reasons.values(), strict=True)
    ]
