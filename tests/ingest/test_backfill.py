"""Backfill over a loopback arXiv API: paging, resuming after a kill, Retry-After, 3-second spacing.

The API pages are assembled at test time from a recorded API response (its 100 real entries are
dealt into date windows and pages; see PROVENANCE.md). Every request is answered only at its exact
URL, so a skipped or repeated page shows up as a 404 or in the request log. Time is an injected
clock shared by the limiter, the fetcher's Retry-After waits and the server's request log.
"""

from __future__ import annotations

import copy
import itertools
import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.db import transaction
from app.ingest.arxiv import parse_arxiv_api
from app.ingest.arxiv_api import search_url
from app.ingest.backfill import (
    BackfillJob,
    BackfillStoppedError,
    backfill_source,
    run_backfill,
    unfinished_until,
    window_query,
    windows,
)
from app.ingest.fetch import make_client
from app.ingest.ratelimit import HostLimiter
from app.models import BackfillProgress, Paper, PaperListing, Source
from tests.support.loopback import Response

RECORDED = "feeds/arxiv-api/query-all-testing-start0-max100-2026-04-12.xml"
ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
# Three windows (Jan 1-7, 8-14, 15-17) holding 25, 0 and 35 papers, 10 a page: 3 + 1 + 4 pages.
JOB = BackfillJob("cs.AI", date(2024, 1, 1), date(2024, 1, 17), window_days=7, page_size=10)
PER_WINDOW = (25, 0, 35)


class FakeClock:
    """Injected time: sleeping advances it, nothing really waits."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)

    def seconds(self) -> float:
        return (self.now - START).total_seconds()


class Killed(BaseException):
    """Stands for the process being killed between two pages."""


def _page(root, entries, total: int, start: int, size: int) -> bytes:
    page = copy.deepcopy(root)
    page.find(f"{OPENSEARCH}totalResults").text = str(total)
    page.find(f"{OPENSEARCH}startIndex").text = str(start)
    page.find(f"{OPENSEARCH}itemsPerPage").text = str(size)
    for entry in entries:
        page.append(copy.deepcopy(entry))
    return etree.tostring(page, xml_declaration=True, encoding="utf-8")


def serve_api(server, recorded: bytes, job: BackfillJob = JOB, per_window=PER_WINDOW):
    """Deal the recorded entries into windows and pages; returns {path: ids} for every page."""
    root = etree.fromstring(recorded)
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        root.remove(entry)
    pages: dict[str, list[str]] = {}
    dealt = 0
    for (first, last), count in zip(windows(job), per_window, strict=True):
        mine = entries[dealt : dealt + count]
        dealt += count
        for start in range(0, max(count, 1), job.page_size):
            body = _page(root, mine[start : start + job.page_size], count, start, job.page_size)
            url = search_url(
                server.url("/api/query"), window_query(job.category, first, last), start, 10
            )
            parts = urlsplit(url)
            path = f"{parts.path}?{parts.query}"
            server.add(path, body)
            pages[path] = [r.arxiv_id for r in parse_arxiv_api(body).records]
    return pages


@pytest.fixture
def api(loopback_server, fixture_bytes):
    clock = FakeClock()
    loopback_server.clock = lambda: clock().timestamp()
    pages = serve_api(loopback_server, fixture_bytes(RECORDED))
    return loopback_server, clock, pages


@pytest.fixture
def source(session_factory):
    with transaction(session_factory) as session:
        found, created = backfill_source(session, "cs.AI", START)
        assert created
        return found.id


def backfill(session_factory, server, clock, source, on_page=None):
    """One run of the backfill as a fresh process would do it: new client, new limiter."""
    limiter = HostLimiter(session_factory, clock=clock, sleep=clock.sleep)
    with make_client("test") as client:
        return run_backfill(
            session_factory,
            client,
            limiter,
            JOB,
            source_id=source,
            source_label="arXiv cs.AI",
            api_url=server.url("/api/query"),
            clock=clock,
            sleep=clock.sleep,
            on_page=on_page,
        )


def request_gaps(server) -> list[float]:
    times = [r.timestamp for r in server.requests]
    return [b - a for a, b in itertools.pairwise(times)]


def stored_ids(session_factory) -> list[str]:
    with session_factory() as session:
        return sorted(session.scalars(select(Paper.arxiv_id)))


def test_windows_tile_the_range_without_overlap():
    assert windows(JOB) == [
        (date(2024, 1, 1), date(2024, 1, 7)),
        (date(2024, 1, 8), date(2024, 1, 14)),
        (date(2024, 1, 15), date(2024, 1, 17)),
    ]
    assert (
        window_query("math", date(2024, 1, 1), date(2024, 1, 7))
        == "cat:math.* AND submittedDate:[202401010000 TO 202401072359]"
    )


def test_a_backfill_killed_mid_way_resumes_without_gaps_or_duplicates(session_factory, api, source):
    server, clock, pages = api
    seen: list = []

    def kill_after_second_page(status):
        seen.append(status)
        if len(seen) == 2:
            raise Killed

    with pytest.raises(Killed):
        backfill(session_factory, server, clock, source, on_page=kill_after_second_page)
    with session_factory() as session:
        progress = session.scalar(select(BackfillProgress))
        assert (progress.window_start, progress.next_start, progress.papers) == (
            date(2024, 1, 1),
            20,
            20,
        )
        # A rerun without --until on a later day continues this range, not a new one.
        assert unfinished_until(session, "cs.AI", JOB.since) == JOB.until
    assert len(stored_ids(session_factory)) == 20

    status = backfill(session_factory, server, clock, source)
    with session_factory() as session:
        assert unfinished_until(session, "cs.AI", JOB.since) is None

    assert status.finished and status.papers == 60 and status.requests == 8
    server.wait_idle()
    asked = [r.path for r in server.requests]
    assert sorted(asked) == sorted(pages), "every page asked exactly once, none skipped"
    expected = sorted(i for ids in pages.values() for i in ids)
    assert len(expected) == 60 == len(set(expected))
    assert stored_ids(session_factory) == expected
    with session_factory() as session:
        listings = session.scalar(select(func.count()).select_from(PaperListing))
        origins = set(session.scalars(select(PaperListing.origin)))
    assert listings == 60 and origins == {"backfill"}
    # arXiv's one request every 3 seconds, measured on the injected clock, across both runs.
    assert all(gap >= 3.0 for gap in request_gaps(server)), request_gaps(server)
    assert clock.seconds() >= 3.0 * 7


def test_a_finished_backfill_reruns_without_asking_again(session_factory, api, source):
    server, clock, _pages = api
    backfill(session_factory, server, clock, source)
    asked = len(server.requests)
    status = backfill(session_factory, server, clock, source)
    assert status.finished and status.papers == 60 and len(server.requests) == asked


def test_429_and_503_with_retry_after_mid_backfill_are_waited_out(
    session_factory, api, source, fixture_bytes
):
    server, clock, pages = api
    second_page = list(pages)[1]
    body = server._routes[second_page][0].body
    server.add_sequence(
        second_page,
        [
            Response(status=429, headers={"Retry-After": "7"}),
            Response(status=503, headers={"Retry-After": "4"}),
            Response(body=body),
        ],
    )
    status = backfill(session_factory, server, clock, source)
    assert status.finished and status.papers == 60
    server.wait_idle()
    gaps = request_gaps(server)
    assert gaps[1] >= 7.0 and gaps[2] >= 4.0 and all(g >= 3.0 for g in gaps), gaps
    assert 7.0 in clock.sleeps and 4.0 in clock.sleeps
    assert len(stored_ids(session_factory)) == 60


def test_an_api_that_keeps_failing_stops_the_run_and_a_rerun_resumes(session_factory, api, source):
    server, clock, pages = api
    fifth_page = list(pages)[4]  # window 3, start 0
    body = server._routes[fifth_page][0].body
    server.add_sequence(
        fifth_page, [*[Response(status=503, headers={"Retry-After": "1"})] * 4, Response(body=body)]
    )
    with pytest.raises(BackfillStoppedError, match="rerun the same command"):
        backfill(session_factory, server, clock, source)
    assert len(stored_ids(session_factory)) == 25
    status = backfill(session_factory, server, clock, source)
    assert status.finished and status.papers == 60
    assert len(stored_ids(session_factory)) == 60
    server.wait_idle()
    assert all(g >= 3.0 for g in request_gaps(server))


def test_backfill_lists_papers_under_the_existing_category_feed(session_factory):
    with transaction(session_factory) as session:
        first, created = backfill_source(session, "cs.AI", START)
        again, created_again = backfill_source(session, "cs.AI", START)
        session.add(
            Source(
                label="AI and ML",
                kind="arxiv",
                url="https://rss.arxiv.org/rss/cs.LG+stat.ML",
                enabled=True,
                interval_minutes=60,
                status="new",
                failures=0,
                created_at=START,
            )
        )
        session.flush()
        combined, created_combined = backfill_source(session, "stat.ML", START)
    assert created and not created_again and again.id == first.id
    assert combined.label == "AI and ML" and not created_combined


def test_backfill_command_shows_progress_and_resumes_as_done(
    db_url, loopback_server, fixture_bytes, monkeypatch, capsys, tmp_path
):
    from app.cli import main
    from app.config import get_settings

    one_week = BackfillJob("cs.AI", date(2024, 1, 1), date(2024, 1, 7))
    root = etree.fromstring(fixture_bytes(RECORDED))
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        root.remove(entry)
    url = search_url(
        loopback_server.url("/api/query"), window_query("cs.AI", *windows(one_week)[0]), 0
    )
    parts = urlsplit(url)
    loopback_server.add(f"{parts.path}?{parts.query}", _page(root, entries[:5], 5, 0, 2000))
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", db_url)
    monkeypatch.setenv("ACADEMICHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACADEMICHUB_ARXIV_API_URL", loopback_server.url("/api/query"))
    args = ["backfill", "arxiv", "--category", "cs.AI", "--since", "2024-01-01"]
    get_settings.cache_clear()
    try:
        first = main([*args, "--until", "2024-01-07", "--json"])
        out, err = capsys.readouterr()
        again = main([*args, "--until", "2024-01-07"])
        _, err_again = capsys.readouterr()
        backwards = main([*args, "--until", "2023-12-31"])
        _, err_backwards = capsys.readouterr()
    finally:
        get_settings.cache_clear()
    assert first == 0 and json.loads(out)["papers"] == 5
    assert "added source" in err and "window 1/1" in err and "ETA 0:00" in err
    assert again == 0 and "5 paper(s)" in err_again and len(loopback_server.requests) == 1
    assert backwards == 1 and err_backwards.startswith("error: --until 2023-12-31 is before")
