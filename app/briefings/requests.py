"""Briefing requests from the web: anonymous visitors get the offline backend, rate-limited so
nobody can spend the LLM key or flood the queue (issue 5)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.briefings import store
from app.briefings.scope import BriefingScope

WINDOW = timedelta(hours=1)
PER_VISITOR = 6  # briefings one visitor may request per WINDOW
PER_INSTANCE = 60  # and all anonymous visitors together
ANONYMOUS = "anon:"


class RateLimitedError(Exception):
    """Too many briefing requests; `retry_after` seconds until the window frees one."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def visitor_key(client_address: str) -> str:
    """A requester name that does not store the visitor's address itself."""
    return ANONYMOUS + hashlib.sha256(client_address.encode()).hexdigest()[:16]


def request_anonymous(session: Session, scope: BriefingScope, client: str, now: datetime) -> int:
    """Queue an offline briefing of `scope` for an anonymous visitor; returns its id."""
    since = now - WINDOW
    requester = visitor_key(client)
    retry = int(WINDOW.total_seconds())
    if store.recent_requests(session, requester, since) >= PER_VISITOR:
        raise RateLimitedError(f"at most {PER_VISITOR} briefings an hour per visitor", retry)
    if store.recent_requests(session, ANONYMOUS, since) >= PER_INSTANCE:
        raise RateLimitedError("this instance takes no more briefing requests this hour", retry)
    return store.request_briefing(session, scope, "offline", requester, now).id


PER_PERSON = 12  # personal briefings one signed-in person may request per day
PERSONAL_WINDOW = timedelta(days=1)


def personal_requester(user_id: int) -> str:
    """The requester name of a signed-in person's briefings."""
    return f"user:{user_id}:"


def request_personal(
    session: Session, user_id: int, day: date | None, backend: str, now: datetime
) -> int:
    """Queue a briefing of this person's radar of `day` (None: the latest day); returns its id."""
    requester = personal_requester(user_id)
    if store.recent_requests(session, requester, now - PERSONAL_WINDOW) >= PER_PERSON:
        raise RateLimitedError(f"at most {PER_PERSON} personal briefings a day", 3600)
    scope = BriefingScope(day=day, radar_user=user_id)
    return store.request_briefing(session, scope, backend, requester, now).id
