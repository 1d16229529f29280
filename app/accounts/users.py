"""Accounts: create, find, remove, change a password. Callers own the transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.models import User

# Deliberately loose (RFC 5322 allows far more than any regex should judge): one @, a dot in the
# domain, no spaces. The address is confirmed by use, not by pattern.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL_LENGTH = 320


class AccountError(ValueError):
    """A request about accounts that cannot be met; the message says why."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    is_admin: bool
    session_epoch: int
    created_at: datetime


def normalise_email(email: str) -> str:
    """The address as stored: trimmed and lower-cased; AccountError when it is not one."""
    cleaned = email.strip().lower()
    if len(cleaned) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(cleaned):
        raise AccountError(f"{email.strip()!r} is not an e-mail address")
    return cleaned


def _account(user: User) -> Account:
    return Account(user.id, user.email, user.is_admin, user.session_epoch, user.created_at)


def create_user(
    session: Session, email: str, password: str, *, now: datetime, admin: bool = False
) -> Account:
    """A new account; the first account ever is an admin whatever `admin` says."""
    address = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise AccountError(f"an account for {address} already exists")
    first = session.scalar(select(func.count()).select_from(User)) == 0
    user = User(
        email=address,
        password_hash=hash_password(password),
        is_admin=admin or first,
        session_epoch=0,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return _account(user)


ACCOUNT_COLUMNS = (User.id, User.email, User.is_admin, User.session_epoch, User.created_at)


def find_user(session: Session, user_id: int) -> Account | None:
    """The account with this id, if it still exists (columns, not an entity: every signed-in
    request asks)."""
    row = session.execute(select(*ACCOUNT_COLUMNS).where(User.id == user_id)).first()
    return Account(*row) if row else None


def find_user_by_email(session: Session, email: str) -> Account | None:
    """The account with this address, if any (the address is normalised first)."""
    try:
        address = normalise_email(email)
    except AccountError:
        return None
    user = session.scalar(select(User).where(User.email == address))
    return _account(user) if user else None


def authenticate(session: Session, email: str, password: str) -> Account | None:
    """The account when the password matches; upgrades an outdated hash on the way."""
    try:
        address = normalise_email(email)
    except AccountError:
        address = None
    user = session.scalar(select(User).where(User.email == address)) if address else None
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return _account(user)


def change_password(session: Session, user_id: int, current: str, new: str) -> Account:
    """Set a new password after checking the current one; every other session ends."""
    user = session.get(User, user_id)
    if user is None or not verify_password(user.password_hash, current):
        raise AccountError("the current password is not right")
    user.password_hash = hash_password(new)
    user.session_epoch += 1
    return _account(user)


def end_all_sessions(session: Session, user_id: int) -> None:
    """Invalidate every session cookie signed for this account so far."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_epoch += 1


def list_users(session: Session) -> list[Account]:
    """Every account, oldest first."""
    return [_account(u) for u in session.scalars(select(User).order_by(User.id))]


def remove_user(session: Session, email: str) -> bool:
    """Delete an account and everything it owns (foreign keys cascade)."""
    account = find_user_by_email(session, email)
    if account is None:
        return False
    session.delete(session.get(User, account.id))
    return True
