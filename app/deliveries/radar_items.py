"""A person's radar of one day as deliveries show it: the learned ranking (app.radar) with its
reasons, cut to what an e-mail or a webhook body should carry."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from app.curation.items import load_items
from app.deliveries.digest import DigestItem
from app.radar.ranking import rank_radar

MAX_ITEMS = 50  # a digest longer than this is not read; the radar page has the rest


def radar_digest_items(session: Session, user_id: int, day: date) -> list[DigestItem]:
    """The day's radar of `user_id`, best first, each paper with the reasons it is there."""
    entries = rank_radar(
        session, user_id, since=day, until=day, limit=MAX_ITEMS, now=datetime.now(UTC)
    )
    items = load_items(session, [entry.paper_id for entry in entries])
    return [
        DigestItem(
            public_id=item.id,
            title=item.title,
            authors=tuple(item.authors),
            url=item.url,
            pdf_url=item.pdf_url,
            reasons=entry.reasons,
        )
        for item, entry in zip(items, entries, strict=True)
    ]
