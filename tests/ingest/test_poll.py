"""Polling end to end: real HTTP from a loopback server, real parsers, a real database.

Each failure mode says what the poller does and proves that nothing already stored is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.ingest.fetch import make_client
from app.ingest.poll import Poller
from app.ingest.ratelimit import HostLimiter
from app.ingest.sources import add_source
from app.models import Paper, PaperListing, PollRun, Source
from tests.support.loopback import Response

ALL_ARCHIVES = "feeds/arxiv-rss/rss-all-archives-2024-11-28.xml"
THREE_ITEMS = "feeds/arxiv-rss/rss-cs.AI-2026-04-27-trimmed-3-items.xml"
TRUNCATED = "feeds/arxiv-rss/atom-cs.AI-2025-08-20-truncated-by-recorder.xml"
ERROR_FEED = "feeds/arxiv-rss/rss-error-bad-archive-2024-11-28.xml"
NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)


class Harness:
    """A poller wired to the test database and a loopback server, with a pinned clock."""

    def __init__(self, engine, session_factory, server, read_timeout=5.0):
        self.sessions = session_factory
        self.server = server
        self.sleeps: list[float] = []
        self.client = make_client(
            "AcademicHub-test/1 (mailto:test@example.org)", read_timeout=read_timeout
        )
        self.poller = Poller(
            engine,
            session_factory,
            self.client,
            HostLimiter(session_factory),
            clock=lambda: NOW,
            sleep=self.sleeps.append,
        )

    def source(self, path: str, kind: str = "arxiv") -> int:
        with transaction(self.sessions) as session:
            return add_source(
                session, self.server.url(path), kind=kind, label=path, every_minutes=60, now=NOW
            ).id

    def count(self, model) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(model))

    def row(self, source_id: int) -> Source:
        with self.sessions() as session:
            return session.get(Source, source_id)

    def runs(self, source_id: int) -> list[PollRun]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(PollRun).where(PollRun.source_id == source_id).order_by(PollRun.id)
                )
            )


@pytest.fixture
def harness(engine, session_factory, loopback_server):
    h = Harness(engine, session_factory, loopback_server)
    yield h
    h.client.close()


def test_first_poll_stores_every_item_then_304_changes_nothing(harness, fixture_bytes):
    harness.server.add(
        "/rss/all",
        fixture_bytes(ALL_ARCHIVES),
        etag='"v1"',
        last_modified="Thu, 28 Nov 2024 14:47:20 GMT",
    )
    source_id = harness.source("/rss/all")
    first = harness.poller.poll_source(source_id)
    assert first.status == "ok" and first.entries_seen == 1504
    assert first.papers_new == harness.count(Paper) == 1504
    second = harness.poller.poll_source(source_id)
    assert second.status == "not_modified" and second.http_status == 304
    sent = harness.server.requests[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Thu, 28 Nov 2024 14:47:20 GMT"
    assert "AcademicHub-test" in sent["user-agent"]
    assert harness.count(Paper) == 1504 and harness.count(PaperListing) == 1504
    assert [r.status for r in harness.runs(source_id)] == ["ok", "not_modified"]
    row = harness.row(source_id)
    assert row.status == "ok" and row.failures == 0 and row.etag == '"v1"'
    assert row.next_poll_at > NOW


def test_same_body_again_without_validators_is_unchanged(harness, fixture_bytes):
    harness.server.add("/rss/cs.AI", fixture_bytes(THREE_ITEMS))
    source_id = harness.source("/rss/cs.AI")
    assert harness.poller.poll_source(source_id).papers_new == 3
    again = harness.poller.poll_source(source_id)
    assert again.status == "unchanged" and again.http_status == 200
    assert harness.count(Paper) == 3


def test_429_with_retry_after_is_waited_out(harness, fixture_bytes):
    harness.server.add_sequence(
        "/rss/cs.AI",
        [
            Response(status=429, headers={"Retry-After": "7"}),
            Response(body=fixture_bytes(THREE_ITEMS)),
        ],
    )
    outcome = harness.poller.poll_source(harness.source("/rss/cs.AI"))
    assert outcome.status == "ok" and outcome.papers_new == 3
    assert harness.sleeps == [7.0]


def test_persistent_500_backs_off_and_keeps_what_was_stored(harness, fixture_bytes):
    harness.server.add_sequence(
        "/rss/cs.AI",
        [
            Response(body=fixture_bytes(THREE_ITEMS)),
            Response(status=500, body=b"oops"),
        ],
    )
    source_id = harness.source("/rss/cs.AI")
    harness.poller.poll_source(source_id)
    failed = harness.poller.poll_source(source_id)
    assert failed.status == "error" and "HTTP 500" in failed.error and failed.http_status == 500
    row = harness.row(source_id)
    assert (row.status, row.failures, row.enabled) == ("error", 1, True)
    assert row.next_poll_at == NOW + timedelta(minutes=5)
    harness.poller.poll_source(source_id)
    row = harness.row(source_id)
    assert row.failures == 2 and row.next_poll_at == NOW + timedelta(minutes=10)
    assert "HTTP 500" in row.last_error
    assert harness.count(Paper) == 3
    assert [r.status for r in harness.runs(source_id)] == ["ok", "error", "error"]


def test_timeout_is_an_error_not_a_hang(engine, session_factory, loopback_server, fixture_bytes):
    harness = Harness(engine, session_factory, loopback_server, read_timeout=0.3)
    harness.server.add("/slow", fixture_bytes(THREE_ITEMS), delay=2.0)
    outcome = harness.poller.poll_source(harness.source("/slow"))
    harness.client.close()
    assert outcome.status == "error" and "timed out" in outcome.error.lower()
    assert harness.count(Paper) == 0


def test_oversized_body_is_refused(harness):
    harness.server.add_oversized("/huge", size=30 * 1024 * 1024, chunked=True)
    outcome = harness.poller.poll_source(harness.source("/huge"))
    assert outcome.status == "error" and "byte cap" in outcome.error


def test_redirect_loop_is_refused(harness):
    harness.server.add_redirect_loop("/loop")
    outcome = harness.poller.poll_source(harness.source("/loop"))
    assert outcome.status == "error" and "redirect" in outcome.error.lower()


def test_error_feed_with_400_is_a_clear_source_error(harness, fixture_bytes):
    harness.server.add("/rss/astroph", fixture_bytes(ERROR_FEED), status=400)
    source_id = harness.source("/rss/astroph")
    outcome = harness.poller.poll_source(source_id)
    assert outcome.status == "error" and "astroph" in outcome.error
    assert outcome.http_status == 400
    assert harness.count(Paper) == 0 and harness.row(source_id).failures == 1


def test_truncated_document_keeps_complete_entries_and_marks_partial(harness, fixture_bytes):
    harness.server.add("/atom/cs.AI", fixture_bytes(TRUNCATED))
    source_id = harness.source("/atom/cs.AI")
    outcome = harness.poller.poll_source(source_id)
    assert outcome.status == "partial" and outcome.papers_new == 86
    row = harness.row(source_id)
    assert row.status == "partial" and "cut off" in row.last_error and row.body_hash is None


def test_not_a_feed_is_an_error(harness):
    harness.server.add("/html", b"<html><body>Just a moment...</body></html>")
    outcome = harness.poller.poll_source(harness.source("/html", kind="rss"))
    assert outcome.status == "error"


def test_one_failing_source_never_stops_the_others(harness, fixture_bytes):
    harness.server.add("/broken", b"", status=503)
    harness.server.add("/rss/cs.AI", fixture_bytes(THREE_ITEMS))
    broken, good = harness.source("/broken"), harness.source("/rss/cs.AI")
    outcomes = harness.poller.poll_many([broken, good])
    assert [o.status for o in outcomes] == ["error", "ok"]
    assert harness.count(Paper) == 3


def test_due_sources(harness, fixture_bytes):
    harness.server.add("/rss/cs.AI", fixture_bytes(THREE_ITEMS))
    source_id = harness.source("/rss/cs.AI")
    assert harness.poller.due_source_ids() == [source_id]
    harness.poller.poll_source(source_id)
    assert harness.poller.due_source_ids() == []


FAILURES = {
    "429 with a long Retry-After": Response(status=429, headers={"Retry-After": "3600"}),
    "500": Response(status=500, body=b"internal error"),
    "slow past the read timeout": Response(body=b"<rss/>", delay=2.0),
    "oversized": Response(stream_size=30 * 1024 * 1024, chunked=True),
    "redirect loop": Response(status=302, headers={"Location": "/rss/cs.AI"}),
    "HTML challenge page": Response(body=b"<!DOCTYPE html><html><title>Just a moment</title>"),
}


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
def test_a_failure_after_a_good_poll_loses_nothing(
    engine, session_factory, loopback_server, fixture_bytes, failure
):
    harness = Harness(engine, session_factory, loopback_server, read_timeout=0.5)
    good = Response(body=fixture_bytes(THREE_ITEMS), etag='"good"')
    harness.server.add_sequence("/rss/cs.AI", [good, FAILURES[failure]])
    source_id = harness.source("/rss/cs.AI")
    assert harness.poller.poll_source(source_id).papers_new == 3
    with session_factory() as session:
        before = {p.arxiv_id: (p.title, p.version) for p in session.scalars(select(Paper))}
    outcome = harness.poller.poll_source(source_id)
    harness.client.close()
    assert outcome.status == "error" and outcome.error
    with session_factory() as session:
        after = {p.arxiv_id: (p.title, p.version) for p in session.scalars(select(Paper))}
    assert after == before and harness.count(PaperListing) == 3
    row = harness.row(source_id)
    assert row.etag == '"good"' and row.failures == 1 and row.last_error == outcome.error
    assert row.next_poll_at > NOW
    if failure.startswith("429"):
        assert row.next_poll_at == NOW + timedelta(hours=1)


def test_the_finished_hook_hears_every_poll_and_cannot_break_one(
    engine, session_factory, loopback_server, fixture_bytes
):
    heard = []

    def hook(outcome):
        heard.append((outcome.source_id, outcome.status))
        raise RuntimeError("bookkeeping broke")

    harness = Harness(engine, session_factory, loopback_server)
    harness.poller.on_finished = hook
    loopback_server.add("/rss/astroph", fixture_bytes(ERROR_FEED), status=400)
    loopback_server.add("/rss/cs.AI", fixture_bytes(THREE_ITEMS))
    failing, working = harness.source("/rss/astroph"), harness.source("/rss/cs.AI")
    try:
        outcomes = harness.poller.poll_many([failing, working])
    finally:
        harness.client.close()
    assert [o.status for o in outcomes] == ["error", "ok"]
    assert heard == [(failing, "error"), (working, "ok")]
