"""`academichub brief`: run one briefing now and say where to read it (`--json`: the record)."""

from __future__ import annotations

import json
import sys
from datetime import date

from app.briefings import store
from app.briefings.backends import BACKENDS, default_backend, llm_configured
from app.briefings.scope import BriefingScope
from app.briefings.worker import Briefer, brief_now
from app.db import schema_is_current


class BriefError(Exception):
    """The briefing could not be made; the message is the one stderr line."""


def add_briefings_commands(commands) -> None:
    """Register `brief` on the CLI's subcommands."""
    brief = commands.add_parser("brief", help="write a briefing of a day or a filtered view now")
    brief.add_argument("--day", metavar="YYYY-MM-DD")
    brief.add_argument("--author", action="append", default=[], metavar="NAME")
    brief.add_argument("--category", action="append", default=[], metavar="CAT")
    brief.add_argument("--source", type=int, action="append", default=[], metavar="ID")
    brief.add_argument("--query", metavar="TEXT")
    brief.add_argument("--backend", choices=BACKENDS)
    brief.add_argument("--json", action="store_true")
    brief.set_defaults(handler=cmd_brief)
    tldr = commands.add_parser("tldr", help="write missing per-paper TL;DRs of a day now")
    tldr.add_argument("--day", metavar="YYYY-MM-DD")
    tldr.add_argument("--backend", choices=BACKENDS)
    tldr.add_argument("--json", action="store_true")
    tldr.set_defaults(handler=cmd_tldr)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise BriefError(f"--day must be a date as YYYY-MM-DD, got {value!r}") from None


def cmd_tldr(args, services) -> int:
    """TL;DRs for the day's papers that have none for their current version."""
    from app.briefings.tldr_job import summarise_day

    if not schema_is_current(services.engine):
        raise BriefError("the database schema is not up to date; run `academichub db upgrade`")
    backend = args.backend or default_backend(services.settings)
    if backend == "llm" and not llm_configured(services.settings):
        raise BriefError("--backend llm needs ACADEMICHUB_LLM_BASE_URL and ACADEMICHUB_LLM_MODEL")
    report = summarise_day(Briefer(services.sessions, services.settings), _day(args.day), backend)
    if args.json:
        print(
            json.dumps(
                {
                    "day": report.day.isoformat() if report.day else None,
                    "model": report.model,
                    "written": report.written,
                    "left": report.left,
                    "stopped": report.stopped,
                }
            )
        )
    print(
        f"{report.written} TL;DR(s) written ({report.model}), {report.left} left", file=sys.stderr
    )
    if report.stopped:
        raise BriefError(f"stopped early: {report.stopped}")
    return 0


def cmd_brief(args, services) -> int:
    """Queue a briefing of the scope, run it in this process, print where to read it."""
    if not schema_is_current(services.engine):
        raise BriefError("the database schema is not up to date; run `academichub db upgrade`")
    settings = services.settings
    backend = args.backend or default_backend(settings)
    if backend == "llm" and not llm_configured(settings):
        raise BriefError("--backend llm needs ACADEMICHUB_LLM_BASE_URL and ACADEMICHUB_LLM_MODEL")
    day = _day(args.day)
    if any(not a.strip() for a in [*args.author, *args.category]) or (
        args.query is not None and not args.query.strip()
    ):
        raise BriefError("--author, --category and --query must not be empty")
    scope = BriefingScope(
        day=day,
        authors=tuple(a.strip() for a in args.author),
        categories=tuple(c.strip() for c in args.category),
        sources=tuple(args.source),
        query=args.query.strip() if args.query else None,
    )
    print(f"briefing ({backend}) …", file=sys.stderr)
    briefing_id = brief_now(Briefer(services.sessions, settings), scope, backend, "cli")
    with services.sessions() as session:
        record = store.get_briefing(session, briefing_id)
    assert record is not None
    if args.json:
        print(json.dumps(record.model_dump(mode="json")))
    if record.notice:
        print(f"note: {record.notice}", file=sys.stderr)
    if record.status != "done":
        raise BriefError(f"briefing {briefing_id} failed: {record.error}")
    model = f" {record.model}" if record.model else ""
    print(
        f"briefing {briefing_id}: {len(record.references)} paper(s), {record.backend}{model}",
        file=sys.stderr,
    )
    where = f"/briefings/{briefing_id} (JSON: /api/briefings/{briefing_id})"
    print(f"read it at {where}", file=sys.stderr if args.json else sys.stdout)
    return 0
