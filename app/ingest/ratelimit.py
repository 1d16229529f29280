"""One request limiter per host group, shared by every process and machine through the database.

arXiv's API terms of use ask for no more than one request every three seconds, over a single
connection, and the limit covers all of arXiv's hosts and all of a user's machines
(https://info.arxiv.org/help/api/tou.html). Worker replicas share only PostgreSQL, so the next free
slot of each group is a row in `rate_limits`, reserved in a short transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from app.db import is_postgres, transaction
from app.ingest.fetch import host_group
from app.models import RateLimit

# Seconds between two requests of a group; groups not named here are not limited. bioRxiv
# publishes no limit; one request a second is the polite pace its API users keep.
DEFAULT_INTERVALS: Mapping[str, float] = MappingProxyType({"arxiv": 3.0, "api.biorxiv.org": 1.0})


def reserve_slot(
    session_factory: sessionmaker[Session], group: str, interval_seconds: float, now: datetime
) -> float:
    """Take the group's next slot and return the seconds to wait for it (never sleeps itself).

    The row is locked only for the read and write, not for the wait, so other processes queue
    for milliseconds. PostgreSQL locks the row (SELECT … FOR UPDATE); on SQLite our engine begins
    every transaction with BEGIN IMMEDIATE, which already serialises writers.
    """
    with transaction(session_factory) as session:
        _ensure_row(session, group, now)
        next_at = session.execute(
            select(RateLimit.next_at).where(RateLimit.host_group == group).with_for_update()
        ).scalar_one()
        slot = max(now, next_at)
        session.execute(
            update(RateLimit)
            .where(RateLimit.host_group == group)
            .values(next_at=slot + timedelta(seconds=interval_seconds))
        )
    return (slot - now).total_seconds()


def _ensure_row(session: Session, group: str, now: datetime) -> None:
    """Insert the group's row if missing; a concurrent insert wins (ON CONFLICT DO NOTHING)."""
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    session.execute(
        insert(RateLimit)
        .values(host_group=group, next_at=now)
        .on_conflict_do_nothing(index_elements=[RateLimit.host_group])
    )


class HostLimiter:
    """Spaces requests per host group across processes: reserve a slot, then sleep until it."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        intervals: Mapping[str, float] = DEFAULT_INTERVALS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._session_factory = session_factory
        self._intervals = dict(intervals)
        self._clock = clock
        self._sleep = sleep

    def wait(self, url_or_group: str) -> float:
        """Block until this process may send the next request to that group; returns the wait."""
        group = host_group(url_or_group) if "://" in url_or_group else url_or_group
        interval = self._intervals.get(group)
        if not interval:
            return 0.0
        delay = reserve_slot(self._session_factory, group, interval, self._clock())
        if delay > 0:
            self._sleep(delay)
        return delay
