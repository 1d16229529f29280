"""`academichub backfill arxiv …` and `academichub papers add …`: history and single papers."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime

from app.catalogue import find_entry
from app.db import schema_is_current, transaction
from app.ingest.backfill import (
    BackfillJob,
    BackfillStatus,
    BackfillStoppedError,
    backfill_source,
    run_backfill,
    unfinished_until,
)
from app.ingest.papers_add import PaperApis, add_papers
from app.services import Services

BAR_WIDTH = 24


class BackfillCommandError(Exception):
    """A backfill or papers-add command failed; the message is the one stderr line."""


def add_backfill_commands(commands) -> None:
    """Register `backfill arxiv` and `papers add` on the top-level sub-command parser."""
    backfill = commands.add_parser("backfill", help="fetch history through an API")
    kinds = backfill.add_subparsers(metavar="KIND")
    arxiv = kinds.add_parser("arxiv", help="one arXiv category over a date range (resumable)")
    arxiv.add_argument("--category", required=True, metavar="CAT", help="e.g. cs.AI or math")
    arxiv.add_argument("--since", required=True, type=_day, metavar="YYYY-MM-DD")
    arxiv.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="default: today (UTC)")
    arxiv.add_argument("--json", action="store_true")
    arxiv.set_defaults(handler=cmd_backfill_arxiv)

    papers = commands.add_parser("papers", help="single papers").add_subparsers(metavar="ACTION")
    add = papers.add_parser("add", help="fetch papers by arXiv id or DOI now")
    add.add_argument("targets", nargs="+", metavar="ARXIV_ID|DOI")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_papers_add)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _ensure_schema(services: Services) -> None:
    if not schema_is_current(services.engine):
        raise BackfillCommandError(
            "the database schema is not up to date; run `academichub db upgrade`"
        )


def cmd_backfill_arxiv(args, services: Services) -> int:
    _ensure_schema(services)
    entry = find_entry(args.category)
    if entry is None or entry.kind != "arxiv":
        raise BackfillCommandError(
            f"{args.category!r} is not an arXiv category such as cs.AI "
            "(`academichub sources catalogue` lists them)"
        )
    until = args.until
    if until is None:
        with services.sessions() as session:
            until = unfinished_until(session, entry.name, args.since)
        if until is not None:
            print(f"resuming the unfinished backfill up to {until}", file=sys.stderr)
    job = BackfillJob(entry.name, args.since, until or datetime.now(UTC).date())
    if job.until < job.since:
        raise BackfillCommandError(f"--until {job.until} is before --since {job.since}")
    with transaction(services.sessions) as session:
        source, created = backfill_source(session, job.category, datetime.now(UTC))
        source_id, label = source.id, source.label
    if created:
        print(
            f"added source {source_id}: {label} (backfilled papers are listed under it)",
            file=sys.stderr,
        )
    try:
        status = run_backfill(
            services.sessions,
            services.http,
            services.limiter,
            job,
            source_id=source_id,
            source_label=label,
            api_url=services.settings.arxiv_api_url,
            on_page=backfill_progress_line,
        )
    except BackfillStoppedError as error:
        raise BackfillCommandError(str(error)) from error
    if args.json:
        print(
            json.dumps(
                {
                    "category": job.category,
                    "since": job.since.isoformat(),
                    "until": job.until.isoformat(),
                    "source_id": source_id,
                    "papers": status.papers,
                    "requests": status.requests,
                    "finished": status.finished,
                }
            )
        )
    print(
        f"backfill of {job.category} {job.since}..{job.until} complete: {status.papers} "
        f"paper(s) in {status.requests} request(s), listed under source {source_id}",
        file=sys.stderr,
    )
    return 0


def backfill_progress_line(status: BackfillStatus) -> None:
    """A progress bar over the date windows with the ETA at arXiv's pace (stderr)."""
    total = status.windows_total
    filled = round(BAR_WIDTH * status.windows_done / total) if total else BAR_WIDTH
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    minutes, seconds = divmod(round(status.eta_seconds), 60)
    text = (
        f"[{bar}] window {status.windows_done}/{total} · {status.papers} papers · "
        f"{status.requests} requests · ETA {minutes}:{seconds:02d}"
    )
    if sys.stderr.isatty():
        print(f"\r\033[K{text}", end="\n" if status.finished else "", file=sys.stderr, flush=True)
    else:
        print(text, file=sys.stderr)


def cmd_papers_add(args, services: Services) -> int:
    _ensure_schema(services)
    apis = PaperApis(
        arxiv_api_url=services.settings.arxiv_api_url,
        crossref_api_url=services.settings.crossref_api_url,
    )
    outcomes = add_papers(
        services.sessions,
        services.http,
        services.limiter,
        args.targets,
        now=datetime.now(UTC),
        apis=apis,
    )
    for outcome in outcomes:
        if outcome.error is None:
            print(f"added {outcome.paper_id}: {outcome.title}", file=sys.stderr)
    if args.json:
        print(json.dumps([outcome.__dict__ for outcome in outcomes]))
    failed = [o for o in outcomes if o.error]
    if failed:
        reasons = "; ".join(str(o.error) for o in failed)
        raise BackfillCommandError(f"{len(failed)} of {len(outcomes)} paper(s) failed: {reasons}")
    return 0
