"""Briefing figures (prints, asserts nothing).

    python bench/briefings.py [--runs 3] [--context 16000]

Offline: the 1,504-paper all-archives arXiv document is parsed and stored through the app's
parser and store into a temporary SQLite database; then `academichub brief --day 2024-11-28`'s
path (select through app.curation, offline briefer, citation check, store) runs in a child
process: seconds (median of --runs), peak RSS, share of papers cited, cross-field connections.

LLM: the LLM backend against a loopback chat-completions server (tests/support/chat_server.py,
scripted good replies) for 50, 500 and 1,500 papers: requests per briefing and prompt tokens per
paper. The loopback server counts tokens as words and punctuation marks (roughly a BPE count
for English prose); the chars/4 estimate the backend plans with is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.briefings.citations import check_body, cited_numbers  # noqa: E402
from app.briefings.llm import ChatClient  # noqa: E402
from app.briefings.llm_briefer import Ledger, LlmBriefer  # noqa: E402
from app.briefings.prompts import estimate_tokens, paper_line  # noqa: E402
from app.briefings.scope import BriefingScope, select_scope_papers  # noqa: E402
from app.briefings.store import get_briefing  # noqa: E402
from app.briefings.worker import Briefer, brief_now  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory, transaction, upgrade_schema  # noqa: E402
from app.ingest.arxiv import parse_arxiv_feed  # noqa: E402
from app.ingest.sources import add_source  # noqa: E402
from app.ingest.store import upsert_papers  # noqa: E402
from tests.support.chat_server import ChatServer, Reply, good_briefing  # noqa: E402

DOCUMENT = ROOT / "tests/fixtures/feeds/arxiv-rss/rss-all-archives-2024-11-28.xml"
DAY = date(2024, 11, 28)
NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)


def ingest(url: str) -> int:
    """Parse and store the document as a poll would; returns the number of papers."""
    upgrade_schema(url)
    sessions = make_session_factory(make_engine(url))
    records = parse_arxiv_feed(DOCUMENT.read_bytes()).records
    with transaction(sessions) as session:
        source = add_source(
            session,
            "https://rss.arxiv.org/rss/all",
            kind="arxiv",
            label="arXiv",
            every_minutes=60,
            now=NOW,
        )
        upsert_papers(session, records, source_id=source.id, source_label="arXiv", now=NOW)
    return len(records)


def offline_child(url: str, runs: int) -> None:
    """Runs in a child process: the briefings, then one JSON line of figures."""
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sessions = make_session_factory(make_engine(url))
    briefer = Briefer(sessions, Settings(database_url=url), clock=lambda: NOW)
    seconds, cpu = [], []
    briefing_id = 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        briefing_id = brief_now(briefer, BriefingScope(day=DAY), "offline", "bench")
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    with sessions() as session:
        record = get_briefing(session, briefing_id)
    body = record.body or ""
    connections = body.split("## Cross-disciplinary connections")[1].split("\n## ")[0]
    named = [line.split("**")[1] for line in connections.splitlines() if line.startswith("**")]
    print(
        json.dumps(
            {
                "status": record.status,
                "papers": len(record.references),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "baseline_rss_mb": baseline_kb / 1024,
                "cited_share": len(set(cited_numbers(body))) / max(1, len(record.references)),
                "valid": check_body(body, len(record.references)) == [],
                "themes": body.count("\n### "),
                "connections": named,
                "body_kb": len(body.encode()) / 1024,
            }
        )
    )


def llm_figures(url: str, sizes: list[int], context: int) -> None:
    sessions = make_session_factory(make_engine(url))
    with sessions() as session:
        papers = select_scope_papers(session, BriefingScope(day=DAY))
    papers.sort(key=lambda p: p.id)
    print(f"\nLLM path, loopback server, LLM_CONTEXT_TOKENS={context}")
    print("papers | requests | prompt tokens (server) | per paper | chars/4 estimate per paper")
    with ChatServer(default=Reply(good_briefing)) as server:
        for size in sizes:
            chosen = papers[:size]
            server.requests.clear()
            client = ChatClient(server.base_url, None, "loopback", timeout=30, retries=0)
            briefer = LlmBriefer(client, context, (0.0, 0.0))
            ledger = Ledger(0, 10**12, lambda purpose, completion: None)
            draft = briefer.brief(chosen, "Briefing", ledger)
            client.close()
            lines = sum(len(paper_line(n, p)) for n, p in enumerate(chosen, 1)) // 4
            status = "ok" if draft.error is None else f"failed: {draft.error}"
            print(
                f"{size:>6} | {draft.requests:>8} | {draft.prompt_tokens:>22,} | "
                f"{draft.prompt_tokens / size:>9.0f} | {lines / size:>6.0f}  ({status})"
            )
    _ = estimate_tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--context", type=int, default=16000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        offline_child(args.child, args.runs)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        started = time.perf_counter()
        count = ingest(url)
        print(f"ingested {count} papers in {time.perf_counter() - started:.1f} s ({url})")
        child = subprocess.run(
            [sys.executable, __file__, "--child", url, "--runs", str(args.runs)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            "\nOffline briefing of the 1,504-paper all-archives day"
            " (select + brief + check + store)"
        )
        print(f"  status: {figures['status']}, citations valid: {figures['valid']}")
        print(
            f"  seconds: median {statistics.median(figures['seconds']):.2f} "
            f"(runs: {', '.join(f'{s:.2f}' for s in figures['seconds'])}); "
            f"CPU median {statistics.median(figures['cpu_seconds']):.2f}"
        )
        print(
            f"  peak RSS: {figures['peak_rss_mb']:.0f} MB "
            f"(interpreter + imports before briefing: {figures['baseline_rss_mb']:.0f} MB)"
        )
        print(
            f"  papers: {figures['papers']}, cited: {figures['cited_share']:.1%}, "
            f"themes: {figures['themes']}, body: {figures['body_kb']:.0f} KB"
        )
        print(
            f"  cross-field connections: {len(figures['connections'])}: "
            f"{', '.join(figures['connections'])}"
        )
        llm_figures(url, [50, 500, 1500], args.context)


if __name__ == "__main__":
    main()
