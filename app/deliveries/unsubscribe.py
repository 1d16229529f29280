"""One-click unsubscribe links: one secret per person, reused in every digest, stored hashed.

The secret is derived (HMAC of the instance's SECRET_KEY, the person and the row's creation time)
rather than stored, so every digest can carry the same link while the table holds only its
SHA-256 like every other personal token; deleting the row revokes the link, and the next digest
carries a new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.tokens import hash_token
from app.models import User, UserToken

PURPOSE = "unsubscribe"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _derive(secret_key: str, user_id: int, created_at: datetime) -> str:
    message = f"{PURPOSE}:{user_id}:{created_at.astimezone(UTC).isoformat()}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(session: Session, user_id: int, *, secret_key: str, now: datetime) -> str:
    """The person's unsubscribe secret: the same one each time, a new one once revoked."""
    row = session.scalars(
        select(UserToken).where(UserToken.user_id == user_id, UserToken.purpose == PURPOSE)
    ).first()
    if row is not None:
        secret = _derive(secret_key, user_id, row.created_at)
        if hmac.compare_digest(row.token_hash, hash_token(secret)):
            return secret
        session.delete(row)  # the instance's key changed: the old link cannot be rebuilt
        session.flush()
    created_at = now.astimezone(UTC)  # to the microsecond: a re-issued link differs
    secret = _derive(secret_key, user_id, created_at)
    session.add(
        UserToken(
            user_id=user_id, purpose=PURPOSE, token_hash=hash_token(secret), created_at=created_at
        )
    )
    session.flush()
    return secret


def unsubscribe_url(base_url: str, token: str) -> str:
    """The link a digest carries (GET shows a button, POST is the one click)."""
    return f"{base_url.rstrip('/')}/unsubscribe/{token}"


def _token_row(session: Session, token: str) -> UserToken | None:
    if not _TOKEN_SHAPE.match(token):
        return None
    return session.scalars(
        select(UserToken).where(
            UserToken.token_hash == hash_token(token), UserToken.purpose == PURPOSE
        )
    ).first()


def unsubscribe_email(session: Session, token: str) -> str | None:
    """Whose link this is (their address), or None for an unknown or revoked link."""
    row = _token_row(session, token)
    if row is None:
        return None
    return session.scalar(select(User.email).where(User.id == row.user_id))


def unsubscribe(session: Session, token: str, *, now: datetime | None = None) -> bool:
    """Turn the link owner's digest off; False for an unknown or revoked link."""
    row = _token_row(session, token)
    if row is None:
        return False
    user = session.get(User, row.user_id)
    user.digest_enabled = False
    row.last_used_at = now or datetime.now(UTC)
    session.flush()
    return True
