"""A person's delivery preferences: the daily digest, the webhook URL, hiding seen papers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models import User


@dataclass(frozen=True)
class Preferences:
    digest_enabled: bool
    webhook_url: str | None
    hide_seen: bool


def get_preferences(session: Session, user_id: int) -> Preferences:
    """The stored preferences (an account that is gone has the defaults)."""
    user = session.get(User, user_id)
    if user is None:
        return Preferences(False, None, False)
    return Preferences(user.digest_enabled, user.webhook_url, user.hide_seen)


def set_preferences(
    session: Session,
    user_id: int,
    *,
    digest_enabled: bool,
    webhook_url: str | None,
    hide_seen: bool,
) -> None:
    """Store them; the caller checked the webhook URL (app.deliveries.webhook)."""
    user = session.get(User, user_id)
    if user is not None:
        user.digest_enabled = digest_enabled
        user.webhook_url = webhook_url
        user.hide_seen = hide_seen
