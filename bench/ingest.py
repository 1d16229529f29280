"""Ingestion figures for the 1,504-item all-archives arXiv RSS document (prints, asserts nothing).

Everything runs through the real poll path: a loopback HTTP server serves the recorded document,
the poller fetches, parses and stores it in a fresh database built from the migrations.

    python bench/ingest.py [--runs 5] [--postgres URL] [--no-postgres]

Figures (medians of --runs, side by side in one run):
- parse only: feedparser (the yardstick the target names) and our lxml parser, items/s
- first poll end to end (fetch + parse + normalise + store), papers/s, and its ratio to feedparser
- re-poll of the same bytes sent again in full (200, no validators), and the ratio to the first
  poll; also a forced re-ingest of the same items (body hash ignored) for the store's own cost
- a 304 answer, ms
- peak memory (max RSS) of `academichub poll` over the document, MB
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import feedparser
from sqlalchemy import text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import normalise_database_url  # noqa: E402
from app.db import make_engine, make_session_factory, transaction, upgrade_schema  # noqa: E402
from app.ingest.arxiv import parse_arxiv_feed  # noqa: E402
from app.ingest.fetch import make_client  # noqa: E402
from app.ingest.poll import Poller  # noqa: E402
from app.ingest.ratelimit import HostLimiter  # noqa: E402
from app.ingest.sources import add_source  # noqa: E402
from app.models import Base, Source  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402

DOCUMENT = ROOT / "tests/fixtures/feeds/arxiv-rss/rss-all-archives-2024-11-28.xml"
BENCH_SCHEMA = "bench_ingest"


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class Database:
    """A fresh, migrated database that can be emptied between runs."""

    def __init__(self, url: str) -> None:
        self.url = url
        upgrade_schema(url)
        self.engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)

    def empty(self) -> None:
        with self.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())

    def add_source(self, url: str) -> int:
        with transaction(self.sessions) as session:
            return add_source(
                session, url, kind="arxiv", label="bench", every_minutes=60, now=_now()
            ).id

    def forget_body(self, source_id: int) -> None:
        with transaction(self.sessions) as session:
            session.execute(
                update(Source)
                .where(Source.id == source_id)
                .values(body_hash=None, etag=None, last_modified=None)
            )


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'bench.db'}"


def postgres_url(base: str) -> str:
    base = normalise_database_url(base)
    engine = make_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {BENCH_SCHEMA}"))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{BENCH_SCHEMA}"


def bench_database(name: str, url: str, server: LoopbackServer, runs: int) -> dict[str, float]:
    """Poll timings on one database: first poll, full re-poll, forced re-ingest, 304."""
    database = Database(url)
    client = make_client("AcademicHub-bench")
    poller = Poller(database.engine, database.sessions, client, HostLimiter(database.sessions))
    plain = server.add("/plain", DOCUMENT.read_bytes())
    validated = server.add("/validated", DOCUMENT.read_bytes(), etag='"bench"')

    def first_poll() -> None:
        database.empty()
        source_id = database.add_source(plain)
        outcome = poller.poll_source(source_id)
        assert outcome.papers_new == 1504, outcome

    first = median_seconds(first_poll, runs)
    database.empty()
    source_id = database.add_source(plain)
    poller.poll_source(source_id)
    repoll = median_seconds(lambda: poller.poll_source(source_id), runs)

    def forced() -> None:
        database.forget_body(source_id)
        outcome = poller.poll_source(source_id)
        assert outcome.status == "ok" and outcome.papers_new == 0, outcome

    reingest = median_seconds(forced, runs)
    validated_id = database.add_source(validated)
    poller.poll_source(validated_id)
    not_modified = median_seconds(lambda: poller.poll_source(validated_id), max(runs, 10))
    client.close()
    database.engine.dispose()
    return {"first": first, "repoll": repoll, "reingest": reingest, "not_modified": not_modified}


def peak_poll_memory_mb(url: str, server: LoopbackServer, folder: Path) -> float:
    """Max RSS of a real `academichub poll` process over the document, in MB."""
    database = Database(url)
    database.empty()
    database.add_source(server.add("/memory", DOCUMENT.read_bytes()))
    database.engine.dispose()
    env = dict(os.environ, ACADEMICHUB_DATABASE_URL=url, ACADEMICHUB_DATA_DIR=str(folder))
    # The child reports its own max RSS, so one database's figure never includes another's.
    script = (
        "import resource, sys; from app.cli import main; status = main(['poll']); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(status)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=folder,
    )
    return int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "ACADEMICHUB_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    body = DOCUMENT.read_bytes()
    items = len(parse_arxiv_feed(body).records)
    feedparser_s = median_seconds(lambda: feedparser.parse(body), args.runs)
    ours_s = median_seconds(lambda: parse_arxiv_feed(body), args.runs)
    feedparser_rate = items / feedparser_s
    print(
        f"document: {DOCUMENT.name}, {items} items, {len(body) / 1e6:.1f} MB; median of {args.runs}"
    )
    print(f"parse only, feedparser (defaults): {feedparser_rate:8,.0f} items/s")
    print(f"parse only, app lxml parser:       {items / ours_s:8,.0f} items/s")

    with tempfile.TemporaryDirectory() as folder, LoopbackServer() as server:
        targets = {"SQLite": sqlite_url(Path(folder))}
        if not args.no_postgres:
            targets["PostgreSQL"] = postgres_url(args.postgres)
        print()
        header = (
            f"{'database':<11} {'first poll':>17} {'vs feedparser':>13} {'re-poll 200':>12} "
            f"{'speed-up':>9} {'forced re-ingest':>17} {'304':>8} {'poll peak RSS':>14}"
        )
        print(header)
        for name, url in targets.items():
            figures = bench_database(name, url, server, args.runs)
            memory = peak_poll_memory_mb(url, server, Path(folder))
            rate = items / figures["first"]
            first, repoll, reingest = figures["first"], figures["repoll"], figures["reingest"]
            print(
                f"{name:<11} {rate:>10,.0f} paper/s {rate / feedparser_rate:>12.0%} "
                f"{repoll * 1000:>9.1f} ms {first / repoll:>8.1f}x "
                f"{reingest * 1000:>8.0f} ms ({first / reingest:.1f}x) "
                f"{figures['not_modified'] * 1000:>5.1f} ms {memory:>11.0f} MB"
            )
    print()
    print("targets: end to end >= 40% of feedparser's parse-only rate; re-poll >= 3x faster than")
    print("the first poll; 304 < 50 ms; poll peak memory < 200 MB.")


if __name__ == "__main__":
    main()
