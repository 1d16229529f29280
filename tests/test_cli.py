"""The CLI contract, run as real processes from another directory: exit codes, stderr, --json."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.models import PollRun

THREE_ITEMS = "feeds/arxiv-rss/rss-cs.AI-2026-04-27-trimmed-3-items.xml"


@pytest.fixture
def cli_env(db_url, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMICHUB_")}
    env.update(ACADEMICHUB_DATABASE_URL=db_url, ACADEMICHUB_DATA_DIR=str(tmp_path / "data"))
    return env


def run(env, *args, timeout=60) -> subprocess.CompletedProcess:
    """`python -m app ARGS` from a directory that is not the project's."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=Path(env["ACADEMICHUB_DATA_DIR"]).parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_db_upgrade_and_sources_round_trip(cli_env, loopback_server):
    assert run(cli_env, "db", "upgrade").returncode == 0
    url = loopback_server.url("/rss/cs.AI")
    added = run(cli_env, "sources", "add", url, "--kind", "arxiv", "--label", "AI", "--every", "90")
    assert added.returncode == 0 and "added source" in added.stderr and added.stdout == ""
    again = run(cli_env, "sources", "add", url)
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0 and "already source" in again.stderr
    listing = run(cli_env, "sources", "list", "--json")
    assert listing.returncode == 0
    [source] = json.loads(listing.stdout)
    assert (source["label"], source["kind"], source["url"], source["status"]) == (
        "AI",
        "arxiv",
        url,
        "new",
    )
    table = run(cli_env, "sources", "list")
    assert "AI" in table.stderr and table.stdout == ""
    assert run(cli_env, "sources", "remove", str(source["id"])).returncode == 0
    assert json.loads(run(cli_env, "sources", "list", "--json").stdout) == []
    # A removed source's id is never handed to a new source (ids appear in URLs).
    assert run(cli_env, "sources", "add", url).returncode == 0
    [again_source] = json.loads(run(cli_env, "sources", "list", "--json").stdout)
    assert again_source["id"] > source["id"]


def test_category_names_and_defaults(cli_env):
    assert run(cli_env, "sources", "add", "cs.AI+stat.ML").returncode == 0
    assert run(cli_env, "sources", "defaults").returncode == 0
    urls = [s["url"] for s in json.loads(run(cli_env, "sources", "list", "--json").stdout)]
    assert urls[0] == "https://rss.arxiv.org/rss/cs.AI+stat.ML"
    assert "https://rss.arxiv.org/rss/cs.LG" in urls and len(urls) == 4
    bad = run(cli_env, "sources", "add", "not a feed!")
    assert bad.returncode == 1 and bad.stderr.startswith("error:")


def test_poll_reports_every_source_and_fails_when_one_fails(
    cli_env, loopback_server, fixture_bytes
):
    loopback_server.add("/rss/cs.AI", fixture_bytes(THREE_ITEMS))
    loopback_server.add("/down", b"gone", status=404)
    for path in ("/rss/cs.AI", "/down"):
        assert (
            run(cli_env, "sources", "add", loopback_server.url(path), "--kind", "arxiv").returncode
            == 0
        )
    result = run(cli_env, "poll", "--json")
    assert result.returncode == 1
    outcomes = json.loads(result.stdout)
    assert [(o["status"], o["papers_new"]) for o in outcomes] == [("ok", 3), ("error", 0)]
    assert "HTTP 404" in result.stderr and "1 of 2 source(s) failed" in result.stderr
    good = run(cli_env, "poll", "--source", str(outcomes[0]["source_id"]))
    assert good.returncode == 0 and "unchanged" in good.stderr
    unknown = run(cli_env, "poll", "--source", "999")
    assert unknown.returncode == 1 and "no source with id 999" in unknown.stderr


def test_bad_setting_is_one_clear_line(cli_env):
    cli_env["ACADEMICHUB_SECRET_KEY"] = "too-short"
    result = run(cli_env, "sources", "list")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "error: ACADEMICHUB_SECRET_KEY: Value error, must be at least 32 characters"
    )


def test_two_pollers_never_poll_the_same_source_at_once(
    cli_env, loopback_server, fixture_bytes, engine
):
    loopback_server.add("/slow", fixture_bytes(THREE_ITEMS), delay=3.0)
    assert (
        run(cli_env, "sources", "add", loopback_server.url("/slow"), "--kind", "arxiv").returncode
        == 0
    )
    command = [sys.executable, "-m", "app", "poll", "--json"]
    processes = [
        subprocess.Popen(
            command, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=60) for p in processes]
    statuses = sorted(json.loads(out)[0]["status"] for out, _ in results)
    assert statuses == ["locked", "ok"]
    assert len(loopback_server.requests_to("/slow")) == 1
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(PollRun)) == 1


def test_two_workers_never_poll_the_same_source_at_once(
    cli_env, loopback_server, fixture_bytes, engine
):
    loopback_server.add("/slow", fixture_bytes(THREE_ITEMS), delay=3.0)
    added = run(cli_env, "sources", "add", loopback_server.url("/slow"), "--kind", "arxiv")
    assert added.returncode == 0
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "worker"],
            env=cli_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        wait_for_a_good_poll(engine)
        time.sleep(2.0)  # room for a second, overlapping poll to show up if the lock failed
    finally:
        for worker in workers:
            worker.terminate()
        outputs = [worker.communicate(timeout=30)[1] for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    assert len(loopback_server.requests_to("/slow")) == 1
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(PollRun)) == 1


def wait_for_a_good_poll(engine, seconds: float = 30) -> None:
    """Until a poll_runs row says "ok" (a worker's scheduler ran), or fail the test."""
    deadline = time.monotonic() + seconds
    statement = select(func.count()).select_from(PollRun).where(PollRun.status == "ok")
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.scalar(statement):
                return
        time.sleep(0.2)
    pytest.fail("no worker polled the due source")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_with_two_workers_runs_one_scheduler(cli_env):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "2"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("serve never answered /healthz")
        assert httpx.get(f"http://127.0.0.1:{port}/api/papers").json()["total"] == 0
        time.sleep(1.0)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert stderr.count("Scheduler started") == 1, stderr
    assert stderr.count("Started server process") == 2, stderr


def test_worker_polls_due_sources_and_stops_cleanly(
    cli_env, loopback_server, fixture_bytes, engine
):
    loopback_server.add("/rss/cs.AI", fixture_bytes(THREE_ITEMS))
    assert (
        run(
            cli_env, "sources", "add", loopback_server.url("/rss/cs.AI"), "--kind", "arxiv"
        ).returncode
        == 0
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_a_good_poll(engine)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert len(loopback_server.requests_to("/rss/cs.AI")) == 1


def test_worker_refuses_an_outdated_schema(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMICHUB_")}
    env.update(
        ACADEMICHUB_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}",
        ACADEMICHUB_DATA_DIR=str(tmp_path / "data"),
    )
    result = run(env, "worker")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the database schema is not up to date; run `academichub db upgrade`"
    )
