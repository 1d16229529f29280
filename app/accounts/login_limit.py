"""Log-in rate limit: failed attempts counted per account and per address in the database.

In the database, not in memory, because web replicas are stateless and must share the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5  # guessing one person's password
MAX_FAILURES_PER_ADDRESS = 20  # one machine trying many accounts


@dataclass(frozen=True)
class LoginBlock:
    reason: str
    retry_after_seconds: int


def login_block(session: Session, email: str, address: str, *, now: datetime) -> LoginBlock | None:
    """Why log-ins from `address` to `email` must wait now, or None when they may proceed."""
    since = now - WINDOW
    for column, value, limit, what in (
        (LoginAttempt.email, email, MAX_FAILURES_PER_ACCOUNT, "this account"),
        (LoginAttempt.address, address, MAX_FAILURES_PER_ADDRESS, "your address"),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(LoginAttempt.attempted_at)).where(
                column == value, LoginAttempt.attempted_at > since
            )
        ).one()
        if count >= limit:
            wait = max(1, int((_aware(oldest) + WINDOW - now).total_seconds()) + 1)
            return LoginBlock(f"too many failed log-ins for {what}", wait)
    return None


def record_failure(session: Session, email: str, address: str, *, now: datetime) -> None:
    """Count one failed log-in, and forget attempts older than the window."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= now - WINDOW))
    session.add(LoginAttempt(email=email[:320], address=address[:64], attempted_at=now))


def clear_failures(session: Session, email: str) -> None:
    """A successful log-in forgives the account's failures (not the address's)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))


def _aware(moment: datetime) -> datetime:
    # Stored as UTC; a backend that hands back a naive value still means UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
