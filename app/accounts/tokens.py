"""Personal secrets: API tokens, radar feed URLs, unsubscribe links. Only hashes are stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import User, UserToken

PURPOSES = ("api", "feed", "unsubscribe")
PREFIXES = {"api": "ahp_", "feed": "ahf_", "unsubscribe": "ahu_"}
# Writing last_used_at on every API call would turn reads into writes; an hour is precise enough.
LAST_USED_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class TokenOwner:
    token_id: int
    user_id: int
    purpose: str


def hash_token(secret: str) -> str:
    """SHA-256 hex: the secrets are long and random, so a fast hash is the right one."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, user_id: int, purpose: str, *, now: datetime) -> str:
    """A new secret for `purpose`; feed and unsubscribe secrets replace the previous one."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    if purpose != "api":
        revoke_tokens(session, user_id, purpose)
    secret = PREFIXES[purpose] + secrets.token_urlsafe(32)
    session.add(
        UserToken(user_id=user_id, purpose=purpose, token_hash=hash_token(secret), created_at=now)
    )
    session.flush()
    return secret


def revoke_tokens(session: Session, user_id: int, purpose: str, token_id: int | None = None) -> int:
    """Delete a person's tokens of one purpose (or just one of them); returns how many."""
    statement = delete(UserToken).where(UserToken.user_id == user_id, UserToken.purpose == purpose)
    if token_id is not None:
        statement = statement.where(UserToken.id == token_id)
    return session.execute(statement).rowcount


def token_owner(session: Session, secret: str, purpose: str) -> TokenOwner | None:
    """Who holds this secret, if it is a live token of this purpose."""
    if not secret.startswith(PREFIXES.get(purpose, "\0")):
        return None
    row = session.execute(
        select(UserToken.id, UserToken.user_id)
        .join(User, User.id == UserToken.user_id)
        .where(UserToken.token_hash == hash_token(secret), UserToken.purpose == purpose)
    ).first()
    return TokenOwner(row.id, row.user_id, purpose) if row else None


def mark_token_used(session: Session, token_id: int, *, now: datetime) -> bool:
    """Stamp last_used_at when the stored stamp is older than the resolution; True if written."""
    token = session.get(UserToken, token_id)
    if token is None or (token.last_used_at and now - token.last_used_at < LAST_USED_RESOLUTION):
        return False
    token.last_used_at = now
    return True


@dataclass(frozen=True)
class TokenView:
    id: int
    purpose: str
    created_at: datetime
    last_used_at: datetime | None


def list_tokens(session: Session, user_id: int) -> list[TokenView]:
    """A person's tokens (never their secrets), newest first."""
    rows = session.scalars(
        select(UserToken).where(UserToken.user_id == user_id).order_by(UserToken.id.desc())
    )
    return [TokenView(t.id, t.purpose, t.created_at, t.last_used_at) for t in rows]
