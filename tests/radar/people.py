"""People for the radar's tests: rows inserted as the account and library code would write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.db import transaction
from app.models import Follow, PaperFeedback, SavedPaper, User
from app.text import author_match_key

NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)


def add_user(sessions, email: str = "ada@example.org", *, hide_seen: bool = False) -> int:
    with transaction(sessions) as session:
        user = User(
            email=email,
            password_hash="argon2-placeholder",
            hide_seen=hide_seen,
            created_at=NOW,
        )
        session.add(user)
        session.flush()
        return user.id


def match_key(kind: str, value: str) -> str:
    """What the follows code stores as match key (common brief)."""
    if kind == "author":
        return author_match_key(value)
    if kind == "keyword":
        return " ".join(value.lower().split())
    return value


def follow(sessions, user_id: int, kind: str, value: str, *, muted: bool = False) -> None:
    with transaction(sessions) as session:
        add_follow(session, user_id, kind, value, muted=muted)


def add_follow(session: Session, user_id: int, kind: str, value: str, *, muted: bool = False):
    count = session.query(Follow).count()
    session.add(
        Follow(
            user_id=user_id,
            kind=kind,
            value=value,
            match_key=match_key(kind, value),
            muted=muted,
            created_at=NOW + timedelta(seconds=count),
        )
    )


def save(sessions, user_id: int, *paper_ids: int, at: datetime = NOW) -> None:
    with transaction(sessions) as session:
        for offset, paper_id in enumerate(paper_ids):
            session.add(
                SavedPaper(
                    user_id=user_id, paper_id=paper_id, saved_at=at + timedelta(seconds=offset)
                )
            )


def unsave(sessions, user_id: int, paper_id: int) -> None:
    with transaction(sessions) as session:
        session.delete(session.get(SavedPaper, (user_id, paper_id)))


def mark(sessions, user_id: int, kind: str, *paper_ids: int, at: datetime = NOW) -> None:
    """Feedback: kind `seen` or `not_interested`."""
    with transaction(sessions) as session:
        for paper_id in paper_ids:
            session.add(PaperFeedback(user_id=user_id, paper_id=paper_id, kind=kind, created_at=at))


def unmark(sessions, user_id: int, kind: str, paper_id: int) -> None:
    with transaction(sessions) as session:
        session.delete(session.get(PaperFeedback, (user_id, paper_id, kind)))
