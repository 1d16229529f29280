"""A day's papers matching a person's follows, minus their mutes, with the reasons: what the
deliveries send until the learned radar (app.radar.ranking) is wired in their place
(app.scheduler.radar_digest_items)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.follows import FollowView, list_follows
from app.curation.items import load_items
from app.db import one_of
from app.deliveries.digest import DigestItem
from app.models import Author, Paper, PaperAuthor, PaperCategory, PaperListing
from app.schemas import PaperItem
from app.text import author_match_key

MAX_ITEMS = 50


def followed_papers_of_day(session: Session, user_id: int, day: date) -> list[DigestItem]:
    """Papers listed on `day` that match a follow and no mute, most reasons first."""
    rules = list_follows(session, user_id)
    follows = [rule for rule in rules if not rule.muted]
    if not follows:
        return []
    reasons: dict[int, list[str]] = defaultdict(list)
    for paper_id, reason in _matches(session, follows, day):
        if reason not in reasons[paper_id]:
            reasons[paper_id].append(reason)
    mutes = [rule for rule in rules if rule.muted]
    ids = sorted(reasons, key=lambda paper_id: (-len(reasons[paper_id]), paper_id))
    kept = [
        (paper_id, item)
        for paper_id, item in zip(ids, load_items(session, ids), strict=True)
        if not _muted(item, mutes)
    ]
    return [
        DigestItem(
            public_id=item.id,
            title=item.title,
            authors=tuple(item.authors),
            url=item.url,
            pdf_url=item.pdf_url,
            reasons=tuple(reasons[paper_id]),
        )
        for paper_id, item in kept[:MAX_ITEMS]
    ]


def _matches(session: Session, follows: list[FollowView], day: date) -> list[tuple[int, str]]:
    day_ids = select(PaperListing.paper_id).where(PaperListing.listed_on == day)
    by_kind: dict[str, dict[str, FollowView]] = defaultdict(dict)
    for rule in follows:
        by_kind[rule.kind][rule.match_key] = rule
    found: list[tuple[int, str]] = []
    if authors := by_kind["author"]:
        rows = session.execute(
            select(PaperAuthor.paper_id, Author.match_key)
            .join(Author, Author.id == PaperAuthor.author_id)
            .where(
                one_of(session, Author.match_key, list(authors)), PaperAuthor.paper_id.in_(day_ids)
            )
        )
        found += [(pid, f"you follow {authors[key].value}") for pid, key in rows]
    if categories := by_kind["category"]:
        rows = session.execute(
            select(PaperCategory.paper_id, PaperCategory.category).where(
                one_of(session, PaperCategory.category, list(categories)),
                PaperCategory.paper_id.in_(day_ids),
            )
        )
        found += [(pid, f"in {code}, which you follow") for pid, code in rows]
    if sources := by_kind["source"]:
        rows = session.execute(
            select(PaperListing.paper_id, PaperListing.source_id).where(
                PaperListing.listed_on == day,
                one_of(session, PaperListing.source_id, [int(key) for key in sources]),
            )
        )
        found += [(pid, f"listed by {sources[str(sid)].label}") for pid, sid in rows]
    for key, rule in by_kind["keyword"].items():
        rows = session.scalars(
            select(Paper.id).where(
                func.lower(Paper.title).contains(key, autoescape=True), Paper.id.in_(day_ids)
            )
        )
        found += [(pid, f"matches '{rule.value}' in the title") for pid in rows]
    return found


def _muted(item: PaperItem, mutes: list[FollowView]) -> bool:
    if not mutes:
        return False
    author_keys = {author_match_key(name) for name in item.authors}
    title = item.title.lower()
    for rule in mutes:
        if rule.kind == "author" and rule.match_key in author_keys:
            return True
        if rule.kind == "category" and rule.match_key in item.categories:
            return True
        if rule.kind == "keyword" and rule.match_key in title:
            return True
    return False
