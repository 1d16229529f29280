"""Briefing jobs: two workers never take the same row (FOR UPDATE SKIP LOCKED on PostgreSQL),
the scheduled daily briefing is queued and run by the scheduler's jobs."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from app.briefings import store
from app.briefings.scope import BriefingScope
from app.briefings.worker import Briefer
from app.config import Settings
from app.db import transaction
from app.models import Briefing
from app.scheduler import build_scheduler, queue_daily_briefing, run_briefings
from app.services import Services
from tests.briefings.papers import pick

NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)


def _queue(session_factory, count: int) -> list[int]:
    with transaction(session_factory) as session:
        return [
            store.request_briefing(session, BriefingScope(), "offline", "api", NOW).id
            for _ in range(count)
        ]


def test_two_workers_on_postgresql_never_take_the_same_job(db_url, session_factory):
    if not db_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite serialises writers")
    first_id, second_id = _queue(session_factory, 2)
    with session_factory() as one, one.begin():
        taken = store.claim_briefing(one, NOW)  # its row lock is held until this commits
        with session_factory() as two, two.begin():
            two.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would be a failure
            other = store.claim_briefing(two, NOW)
            assert other is not None and other.id == second_id
            assert store.claim_briefing(two, NOW) is None  # the first is still locked
        assert taken.id == first_id


class CountingBriefer(Briefer):
    """A real briefer that also counts how often each briefing is composed."""

    def __init__(self, *args, runs: Counter, start: threading.Barrier, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.runs = runs
        self.start = start

    def compose(self, briefing_id, papers, title, backend):
        self.runs[briefing_id] += 1
        return super().compose(briefing_id, papers, title, backend)

    def run_pending(self, limit: int = 50) -> list[int]:
        self.start.wait()
        return super().run_pending(limit)


def test_two_concurrent_workers_run_every_job_exactly_once(seeder, session_factory):
    seeder.store(pick({"cs": 8, "math": 6}))
    ids = _queue(session_factory, 10)
    runs: Counter = Counter()
    start = threading.Barrier(2)
    workers = [
        CountingBriefer(session_factory, Settings(), runs=runs, start=start, clock=lambda: NOW)
        for _ in range(2)
    ]
    results: list[list[int]] = [[], []]
    threads = [
        threading.Thread(target=lambda i=i: results[i].extend(workers[i].run_pending()))
        for i in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results[0] + results[1]) == ids
    assert not set(results[0]) & set(results[1])
    assert runs == Counter({i: 1 for i in ids})
    with session_factory() as session:
        assert set(session.scalars(select(Briefing.status))) == {"done"}


def test_the_scheduled_briefing_is_queued_and_run_by_the_scheduler_jobs(db_url, seeder, tmp_path):
    seeder.store(pick({"cs": 8, "math": 6}))
    services = Services(
        Settings(database_url=db_url, data_dir=tmp_path, briefing_schedule="30 6 * * 1-5")
    )
    try:
        briefing_id = queue_daily_briefing(services)
        run_briefings(services)
        with services.sessions() as session:
            record = store.get_briefing(session, briefing_id)
        assert record.status == "done" and record.scope["day"] == "2024-11-28"
        scheduler = build_scheduler(services)
        trigger = scheduler.get_job("daily-briefing").trigger
        assert str(trigger) == "cron[month='*', day='*', day_of_week='1-5', hour='6', minute='30']"
        assert scheduler.get_job("briefings") is not None
    finally:
        services.close()
