"""What the CLI prints on stderr: progress lines and aligned tables."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import datetime

from app.curation.sources import SourceHealth
from app.ingest.poll import PollOutcome

BAR_WIDTH = 24


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """An aligned text table on stderr."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line.rstrip(), file=sys.stderr)
    print("  ".join("-" * w for w in widths), file=sys.stderr)
    for row in rows:
        print(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(),
            file=sys.stderr,
        )


def print_sources_table(views: list[SourceHealth]) -> None:
    if not views:
        print("no sources yet: add one with `academichub sources add cs.AI`", file=sys.stderr)
        return
    rows = [
        [
            str(v.id),
            v.label,
            v.kind,
            v.url,
            v.status if v.enabled else f"{v.status} (disabled)",
            str(v.failures),
            (v.last_error or "")[:60],
            _when(v.last_polled_at),
            _when(v.next_poll_at),
        ]
        for v in views
    ]
    headers = [
        "id",
        "label",
        "kind",
        "url",
        "status",
        "failures",
        "last error",
        "last poll",
        "next poll",
    ]
    print_table(headers, rows)


def source_to_json(view: SourceHealth) -> dict:
    data = asdict(view)
    for key in ("last_polled_at", "next_poll_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def progress_line(done: int, total: int, outcome: PollOutcome) -> None:
    """A progress bar line per finished source (redrawn in place on a terminal)."""
    filled = round(BAR_WIDTH * done / total) if total else BAR_WIDTH
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    detail = outcome.error if outcome.failed else f"{outcome.papers_new} new"
    text = f"[{bar}] {done}/{total} {outcome.label}: {outcome.status}, {detail}"
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r\033[K{text}", end=end, file=sys.stderr, flush=True)
    else:
        print(text, file=sys.stderr)


def print_poll_table(outcomes: list[PollOutcome]) -> None:
    rows = [
        [
            str(o.source_id),
            o.label,
            o.status,
            str(o.http_status or "—"),
            str(o.entries_seen),
            str(o.papers_new),
            str(o.papers_updated),
            str(o.listings_new),
            f"{o.elapsed_seconds:.1f}s",
            (o.error or "")[:70],
        ]
        for o in outcomes
    ]
    headers = [
        "id",
        "source",
        "status",
        "http",
        "entries",
        "new",
        "updated",
        "listings",
        "time",
        "note",
    ]
    print_table(headers, rows)


def count_progress(label: str, done: int, total: int) -> None:
    """A progress bar line for `done` of `total` things (redrawn in place on a terminal)."""
    filled = min(BAR_WIDTH, round(BAR_WIDTH * done / total)) if total else BAR_WIDTH
    text = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {label}: {done:,}/{total:,}"
    if sys.stderr.isatty():
        print(f"\r\033[K{text}", end="\n" if done >= total else "", file=sys.stderr, flush=True)
    else:
        print(text, file=sys.stderr)
