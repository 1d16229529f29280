"""People for tests: `User` rows inserted directly (log-in is not what these tests are about)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.db import transaction
from app.models import User

CREATED = datetime(2024, 11, 1, tzinfo=UTC)


def add_user(session_factory, email: str, *, admin: bool = False, **fields) -> int:
    """Insert a user with any password hash; returns its id."""
    with transaction(session_factory) as session:
        user = User(
            email=email.lower(),
            password_hash="not-a-real-hash",
            is_admin=admin,
            created_at=fields.pop("created_at", CREATED),
            **fields,
        )
        session.add(user)
        session.flush()
        return user.id
