"""Briefings stored and read back on SQLite and PostgreSQL: scope through the read side, numbered
references, DESIGN's record shape, jobs claimed once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.briefings import store
from app.briefings.citations import check_body, cited_numbers
from app.briefings.scope import BriefingScope
from app.briefings.worker import Briefer, brief_now
from app.config import Settings
from app.db import transaction
from app.models import Briefing
from tests.briefings.papers import pick
from tests.curation.seeding import record

NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)


def _briefer(session_factory, **settings) -> Briefer:
    return Briefer(session_factory, Settings(**settings), clock=lambda: NOW)


def _seed_mixed(seeder) -> int:
    records = pick({"cs": 20, "math": 14})
    seeder.store(records[:20], source="cs")
    seeder.store(records[20:], source="math")
    return len(records)


def test_offline_briefing_of_the_latest_day_is_stored_with_numbered_references(
    seeder, session_factory
):
    count = _seed_mixed(seeder)
    briefing_id = brief_now(_briefer(session_factory), BriefingScope(), "offline", "cli")
    with session_factory() as session:
        rec = store.get_briefing(session, briefing_id)
    assert rec is not None and rec.status == "done", rec and rec.error
    assert rec.scope["day"] == "2024-11-28"  # the empty scope was pinned to the latest day
    assert rec.backend == "offline" and rec.model is None
    assert (rec.prompt_tokens, rec.completion_tokens, rec.cost_usd) == (0, 0, 0.0)
    assert [r.n for r in rec.references] == list(range(1, count + 1))
    assert check_body(rec.body, count) == []
    assert set(cited_numbers(rec.body)) == set(range(1, count + 1))
    stored_ids = {r.arxiv_id for r in pick({"cs": 20, "math": 14})}
    assert {r.paper_id for r in rec.references} == stored_ids
    body = rec.model_dump(mode="json")
    for key in ("id", "status", "scope", "backend", "model", "body", "references"):
        assert key in body
    for key in ("prompt_tokens", "completion_tokens", "cost_usd", "created_at", "error"):
        assert key in body
    assert set(body["references"][0]) >= {"n", "paper_id", "title"}


def test_the_same_scope_twice_gives_the_same_body(seeder, session_factory):
    _seed_mixed(seeder)
    briefer = _briefer(session_factory)
    first = brief_now(briefer, BriefingScope(categories=("cs.LG",)), "offline", "cli")
    second = brief_now(briefer, BriefingScope(categories=("cs.LG",)), "offline", "cli")
    with session_factory() as session:
        one, two = store.get_briefing(session, first), store.get_briefing(session, second)
    assert one.status == two.status == "done"
    assert one.body == two.body and one.references == two.references
    expected = {r.arxiv_id for r in pick({"cs": 20, "math": 14}) if "cs.LG" in r.categories}
    assert {r.paper_id for r in one.references} == expected and expected


def test_filters_cover_every_day_unless_a_day_narrows_them(seeder, session_factory):
    seeder.store([record("2411.00001", "Old graph paper", announced_on=date(2024, 11, 1))])
    seeder.store([record("2411.00002", "New graph paper", announced_on=date(2024, 11, 28))])
    briefer = _briefer(session_factory)
    every_day = brief_now(briefer, BriefingScope(authors=("Grace Hopper",)), "offline", "cli")
    one_day = BriefingScope(authors=("Grace Hopper",), day=date(2024, 11, 1))
    narrowed = brief_now(briefer, one_day, "offline", "cli")
    with session_factory() as session:
        wide = store.get_briefing(session, every_day)
        narrow = store.get_briefing(session, narrowed)
    assert {r.paper_id for r in wide.references} == {"2411.00001", "2411.00002"}
    assert [r.paper_id for r in narrow.references] == ["2411.00001"]


def test_a_scope_without_papers_fails_with_its_reason(seeder, session_factory):
    _seed_mixed(seeder)
    scope = BriefingScope(authors=("Nobody Atall",))
    briefing_id = brief_now(_briefer(session_factory), scope, "offline", "cli")
    with session_factory() as session:
        rec = store.get_briefing(session, briefing_id)
    assert rec.status == "failed" and rec.error == "no papers in this scope"
    assert rec.body is None and rec.references == []


def test_llm_requested_without_a_server_falls_back_offline_and_says_so(seeder, session_factory):
    _seed_mixed(seeder)
    briefing_id = brief_now(_briefer(session_factory), BriefingScope(), "llm", "web")
    with session_factory() as session:
        rec = store.get_briefing(session, briefing_id)
    assert rec.status == "done" and rec.backend == "offline"
    assert "no LLM is configured" in rec.notice


def test_a_job_is_claimed_once_and_a_stale_claim_is_taken_again(seeder, session_factory):
    with transaction(session_factory) as session:
        first = store.request_briefing(session, BriefingScope(), "offline", "api", NOW).id
    with transaction(session_factory) as session:
        assert store.claim_briefing(session, NOW).id == first
    with transaction(session_factory) as session:
        assert store.claim_briefing(session, NOW + timedelta(minutes=5)) is None
    with transaction(session_factory) as session:
        again = store.claim_briefing(session, NOW + store.STALE_AFTER + timedelta(seconds=1))
        assert again.id == first


def test_queued_jobs_run_in_order_and_leave_nothing_running(seeder, session_factory):
    _seed_mixed(seeder)
    with transaction(session_factory) as session:
        ids = [
            store.request_briefing(session, BriefingScope(), "offline", "api", NOW).id
            for _ in range(3)
        ]
    assert _briefer(session_factory).run_pending() == ids
    with session_factory() as session:
        statuses = set(session.scalars(select(Briefing.status)))
    assert statuses == {"done"}
