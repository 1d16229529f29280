"""Everything a person has, as one JSON document (GET /api/me/export.json).

Secrets never leave: token rows are described by purpose and dates, never by hash; the password
hash and session epoch stay out too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.follows import export_follows
from app.curation.items import public_paper_id
from app.db import one_of
from app.library.store import load_saved
from app.models import Briefing, Paper, PaperFeedback, User, UserToken

EXPORT_FORMAT = "academichub-user-export"
EXPORT_VERSION = 1


def user_export(session: Session, user_id: int) -> dict:
    """The person's account, follows, library, feedback, token metadata and own briefings."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user with id {user_id}")
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "account": _account(user),
        "follows": export_follows(session, user_id)["follows"],
        "library": _library(session, user_id),
        "feedback": _feedback(session, user_id),
        "tokens": _tokens(session, user_id),
        "briefings": _briefings(session, user_id),
    }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _account(user: User) -> dict:
    return {
        "email": user.email,
        "admin": user.is_admin,
        "created_at": _iso(user.created_at),
        "deliveries": {
            "digest_enabled": user.digest_enabled,
            "webhook_url": user.webhook_url,
            "hide_seen": user.hide_seen,
            "last_digest_on": _iso(user.last_digest_on),
            "last_webhook_on": _iso(user.last_webhook_on),
        },
    }


def _library(session: Session, user_id: int) -> list[dict]:
    entries = load_saved(session, user_id)
    papers = _paper_keys(session, list(entries))
    ordered = sorted(entries.values(), key=lambda e: (e.saved_at, e.paper_id), reverse=True)
    return [
        {
            "paper_id": papers[entry.paper_id][0],
            "title": papers[entry.paper_id][1],
            "tags": list(entry.tags),
            "note": entry.note,
            "saved_at": _iso(entry.saved_at),
        }
        for entry in ordered
    ]


def _feedback(session: Session, user_id: int) -> list[dict]:
    rows = session.execute(
        select(PaperFeedback.paper_id, PaperFeedback.kind, PaperFeedback.created_at)
        .where(PaperFeedback.user_id == user_id)
        .order_by(PaperFeedback.created_at, PaperFeedback.paper_id)
    ).all()
    papers = _paper_keys(session, [row.paper_id for row in rows])
    return [
        {"paper_id": papers[row.paper_id][0], "kind": row.kind, "created_at": _iso(row.created_at)}
        for row in rows
    ]


def _paper_keys(session: Session, paper_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Internal id -> (public id, title)."""
    if not paper_ids:
        return {}
    rows = session.execute(
        select(Paper.id, Paper.arxiv_id, Paper.doi, Paper.key, Paper.title).where(
            one_of(session, Paper.id, paper_ids)
        )
    )
    return {row.id: (public_paper_id(row.arxiv_id, row.doi, row.key), row.title) for row in rows}


def _tokens(session: Session, user_id: int) -> list[dict]:
    rows = session.execute(
        select(UserToken.purpose, UserToken.created_at, UserToken.last_used_at)
        .where(UserToken.user_id == user_id)
        .order_by(UserToken.created_at, UserToken.id)
    )
    return [
        {
            "purpose": row.purpose,
            "created_at": _iso(row.created_at),
            "last_used_at": _iso(row.last_used_at),
        }
        for row in rows
    ]


def _briefings(session: Session, user_id: int) -> list[dict]:
    rows = session.execute(
        select(Briefing.id, Briefing.status, Briefing.created_at)
        .where(Briefing.user_id == user_id)
        .order_by(Briefing.created_at, Briefing.id)
    )
    return [
        {"id": row.id, "status": row.status, "created_at": _iso(row.created_at)} for row in rows
    ]
