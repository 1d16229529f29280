"""`academichub import arxiv-snapshot FILE`: the bulk import's command line (progress on stderr)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from app.db import schema_is_current
from app.ingest.snapshot_import import ImportReport, SnapshotImportError, import_snapshot
from app.services import Services

BAR_WIDTH = 24
REDRAW_SECONDS = 0.5
MALFORMED_SHOWN = 20


class ImportCommandError(Exception):
    """The import cannot run; the message is the one stderr line (app.cli.main prints it)."""


def add_import_commands(commands) -> None:
    """`import arxiv-snapshot FILE [--batch-size N] [--index auto|live|pause] [--restart]`."""
    kinds = commands.add_parser("import", help="bulk imports").add_subparsers(metavar="KIND")
    snapshot = kinds.add_parser(
        "arxiv-snapshot", help="import the arXiv metadata snapshot (JSON lines, .gz accepted)"
    )
    snapshot.add_argument("file", type=Path, metavar="FILE")
    snapshot.add_argument("--batch-size", type=int, default=5_000, metavar="N")
    snapshot.add_argument(
        "--index",
        choices=("auto", "live", "pause"),
        default="auto",
        help="pause the full-text index and rebuild it at the end (auto: for big files)",
    )
    snapshot.add_argument(
        "--restart", action="store_true", help="ignore where an earlier run stopped"
    )
    snapshot.add_argument(
        "--workers",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        metavar="N",
        help="processes that decode and normalise lines ahead of the writer (0: none)",
    )
    snapshot.add_argument("--json", action="store_true")
    snapshot.set_defaults(handler=cmd_import_snapshot)


def cmd_import_snapshot(args, services: Services) -> int:
    if args.batch_size < 1:
        raise ImportCommandError("--batch-size must be at least 1")
    if args.workers < 0:
        raise ImportCommandError("--workers must be 0 or more")
    if not schema_is_current(services.engine):
        raise ImportCommandError(
            "the database schema is not up to date; run `academichub db upgrade`"
        )
    bar = ProgressBar()
    try:
        report = import_snapshot(
            services.engine,
            args.file,
            batch_size=args.batch_size,
            index=args.index,
            restart=args.restart,
            workers=args.workers,
            on_progress=bar.draw,
        )
    except SnapshotImportError as error:
        raise ImportCommandError(str(error)) from error
    bar.done(report)
    _print_summary(report)
    if args.json:
        print(json.dumps(report_to_json(report)))
    return 0


def report_to_json(report: ImportReport) -> dict:
    data = asdict(report)
    data["malformed"] = [{"line": n, "error": reason} for n, reason in report.malformed]
    data["papers_per_second"] = _rate(report)
    return data


def _rate(report: ImportReport) -> float:
    written = report.lines - report.resumed_at_line
    return round(written / report.import_seconds, 1) if report.import_seconds else 0.0


def _print_summary(report: ImportReport) -> None:
    out = sys.stderr
    if report.resumed_at_line:
        print(f"resumed after line {report.resumed_at_line:,}", file=out)
    print(
        f"{report.lines:,} line(s): {report.papers_new:,} new, {report.papers_updated:,} "
        f"updated, {report.papers_unchanged:,} unchanged, {report.lines_malformed:,} malformed "
        f"({report.import_seconds:.1f} s, {_rate(report):,.0f} lines/s)",
        file=out,
    )
    for number, reason in report.malformed[:MALFORMED_SHOWN]:
        print(f"  line {number}: {reason}", file=out)
    if report.lines_malformed > MALFORMED_SHOWN:
        print(f"  ... {report.lines_malformed - MALFORMED_SHOWN:,} more (see --json)", file=out)
    if report.index_seconds is not None:
        print(f"full-text index rebuilt in {report.index_seconds:.1f} s", file=out)


class ProgressBar:
    """File bytes read, lines, rate and ETA on stderr; redrawn in place on a terminal."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first_bytes: int | None = None
        self.last_drawn = 0.0

    def draw(self, report: ImportReport, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last_drawn < REDRAW_SECONDS:
            return
        self.last_drawn = now
        if self.first_bytes is None:
            self.first_bytes = 0 if not report.resumed_at_line else report.bytes_read
        total = max(report.bytes_total, 1)
        fraction = min(report.bytes_read / total, 1.0)
        filled = round(BAR_WIDTH * fraction)
        elapsed = now - self.started
        done_here = report.bytes_read - self.first_bytes
        eta = elapsed * (total - report.bytes_read) / done_here if done_here > 0 else None
        text = (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:6.1%} "
            f"{report.lines:,} lines, {report.papers_new:,} new, "
            f"{report.lines_malformed:,} malformed, ETA {_clock(eta)}"
        )
        if sys.stderr.isatty():
            print(f"\r\033[K{text}", end="\n" if final else "", file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr)

    def done(self, report: ImportReport) -> None:
        if sys.stderr.isatty() or self.last_drawn == 0.0:
            self.draw(report, final=True)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
