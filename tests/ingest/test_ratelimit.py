"""The database-shared limiter, on SQLite and PostgreSQL, with pinned clocks and no real sleeps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.db import make_engine, make_session_factory
from app.ingest.ratelimit import HostLimiter, reserve_slot
from app.models import RateLimit

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


class FakeTime:
    """A clock that moves only when something sleeps on it."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def stored_next_at(session_factory, group: str) -> datetime | None:
    with session_factory() as session:
        return session.scalar(select(RateLimit.next_at).where(RateLimit.host_group == group))


def test_reservations_at_one_instant_are_spaced_by_the_interval(session_factory):
    waits = [reserve_slot(session_factory, "arxiv", 3.0, T0) for _ in range(3)]

    assert waits == [0.0, 3.0, 6.0]
    assert stored_next_at(session_factory, "arxiv") == T0 + timedelta(seconds=9)


def test_a_slot_already_past_is_not_waited_for(session_factory):
    reserve_slot(session_factory, "arxiv", 3.0, T0)
    later = T0 + timedelta(seconds=10)

    assert reserve_slot(session_factory, "arxiv", 3.0, later) == 0.0
    assert stored_next_at(session_factory, "arxiv") == later + timedelta(seconds=3)


def test_groups_are_limited_independently(session_factory):
    assert reserve_slot(session_factory, "arxiv", 3.0, T0) == 0.0
    assert reserve_slot(session_factory, "api.biorxiv.org", 1.0, T0) == 0.0
    assert reserve_slot(session_factory, "api.biorxiv.org", 1.0, T0) == 1.0


def test_the_limiter_sleeps_until_each_slot_across_arxiv_hosts(session_factory):
    fake = FakeTime(T0)
    limiter = HostLimiter(session_factory, clock=fake.clock, sleep=fake.sleep)

    limiter.wait("https://export.arxiv.org/api/query?search_query=cat:cs.AI")
    limiter.wait("https://rss.arxiv.org/rss/cs.AI")
    fake.now += timedelta(seconds=1)  # a request that took a second
    waited = limiter.wait("arxiv")

    assert fake.sleeps == [3.0, 2.0]
    assert waited == 2.0


def test_groups_without_an_interval_do_not_wait(session_factory):
    fake = FakeTime(T0)
    limiter = HostLimiter(session_factory, clock=fake.clock, sleep=fake.sleep)

    waits = [limiter.wait("https://example.org/feed.xml") for _ in range(3)]

    assert waits == [0.0, 0.0, 0.0]
    assert fake.sleeps == []
    assert stored_next_at(session_factory, "example.org") is None


def test_concurrent_threads_get_distinct_slots(session_factory):
    waits = _reserve_concurrently([session_factory] * 6)

    assert sorted(waits) == [0.0, 3.0, 6.0, 9.0, 12.0, 15.0]


def test_two_engines_like_two_processes_get_distinct_slots(db_url):
    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        factories = [make_session_factory(engine) for engine in engines]
        waits = _reserve_concurrently(factories * 4)
    finally:
        for engine in engines:
            engine.dispose()

    assert sorted(waits) == [3.0 * n for n in range(8)]


def _reserve_concurrently(factories) -> list[float]:
    """Start one thread per factory at the same moment, each reserving one arXiv slot at T0."""
    barrier = threading.Barrier(len(factories))
    waits: list[float] = []
    errors: list[BaseException] = []

    def reserve(factory) -> None:
        try:
            barrier.wait(timeout=5)
            waits.append(reserve_slot(factory, "arxiv", 3.0, T0))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reserve, args=(factory,)) for factory in factories]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return waits
