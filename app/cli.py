"""The `academichub` command: every job runnable once by hand, plus `serve` and `worker`.

Exit 0 on success, 1 on failure with one clear line on stderr; progress and tables go to stderr;
with --json, stdout holds exactly one JSON document.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import ValidationError

from app.cli_backfill import BackfillCommandError, add_backfill_commands
from app.cli_briefings import BriefError, add_briefings_commands
from app.cli_catalogue import CatalogueCommandError, add_catalogue_commands
from app.cli_import import ImportCommandError, add_import_commands
from app.cli_output import (
    count_progress,
    print_poll_table,
    print_sources_table,
    progress_line,
    source_to_json,
)
from app.cli_users import UsersCommandError, add_users_commands
from app.config import Settings, get_settings
from app.curation.sources import source_health
from app.db import downgrade_schema, schema_is_current, transaction, upgrade_schema
from app.ingest.sources import (
    DEFAULT_CATEGORIES,
    SourceError,
    add_source,
    existing_source_ids,
    remove_source,
)
from app.logs import configure_logging
from app.radar.stats_store import rebuild_term_statistics
from app.search import rebuild_search_index
from app.services import Services
from app.web.card_store import fragment_counts, refresh_fragments


class CommandError(Exception):
    """A command failed in a way the user can act on; the message is the one stderr line."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return 1
    try:
        settings = get_settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "ACADEMICHUB_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        print(f"error: {name}: {first['msg']}", file=sys.stderr)
        return 1
    services = Services(settings)
    configure_logging(logging.ERROR)  # one-shot commands report through their own output
    try:
        return args.handler(args, services) or 0
    except (
        CommandError,
        SourceError,
        BackfillCommandError,
        CatalogueCommandError,
        BriefError,
        ImportCommandError,
        UsersCommandError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    finally:
        services.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="academichub", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(metavar="COMMAND")

    serve = commands.add_parser("serve", help="upgrade the schema, then serve web + scheduler")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    serve.add_argument("--no-scheduler", action="store_true", help="web only, no polling")
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", help="poller + briefer without web")
    worker.set_defaults(handler=cmd_worker)

    db = commands.add_parser("db", help="schema migrations").add_subparsers(metavar="ACTION")
    db.add_parser("upgrade", help="upgrade to the newest schema").set_defaults(handler=cmd_db_up)
    down = db.add_parser("downgrade", help="downgrade to revision REV ('base' = empty)")
    down.add_argument("revision", metavar="REV")
    down.set_defaults(handler=cmd_db_down)

    _add_sources_commands(commands)

    poll = commands.add_parser("poll", help="poll sources now")
    poll.add_argument("--source", type=int, action="append", default=[], metavar="ID")
    poll.add_argument("--due", action="store_true", help="only sources whose time has come")
    poll.add_argument("--json", action="store_true")
    poll.set_defaults(handler=cmd_poll)

    index = commands.add_parser("index", help="the full-text index").add_subparsers(
        metavar="ACTION"
    )
    rebuild = index.add_parser("rebuild", help="rebuild the full-text index and the rendered cards")
    rebuild.set_defaults(handler=cmd_index_rebuild)

    gaps = commands.add_parser("fill-gaps", help="fill missed arXiv announcement days now")
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(handler=cmd_fill_gaps)
    add_backfill_commands(commands)
    add_briefings_commands(commands)
    add_import_commands(commands)
    add_users_commands(commands)
    return parser


def _add_sources_commands(commands) -> None:
    sources = commands.add_parser("sources", help="feeds to poll").add_subparsers(metavar="ACTION")
    listing = sources.add_parser("list", help="sources with their health")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_sources_list)
    add = sources.add_parser("add", help="add a feed URL or a catalogue name (cs.AI, Nature)")
    add.add_argument("target", metavar="URL|NAME")
    add.add_argument("--kind", choices=["arxiv", "rss", "atom", "biorxiv"])
    add.add_argument("--label")
    add.add_argument("--every", type=int, metavar="MINUTES")
    add.set_defaults(handler=cmd_sources_add)
    remove = sources.add_parser("remove", help="remove a source (its papers stay)")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=cmd_sources_remove)
    defaults = sources.add_parser("defaults", help="add a starter set of arXiv CS categories")
    defaults.set_defaults(handler=cmd_sources_defaults)
    add_catalogue_commands(sources)


def _ensure_schema(services: Services) -> None:
    if not schema_is_current(services.engine):
        raise CommandError("the database schema is not up to date; run `academichub db upgrade`")


def cmd_db_up(args, services: Services) -> int:
    upgrade_schema(services.settings.resolved_database_url)
    print("database schema is up to date", file=sys.stderr)
    return 0


def cmd_db_down(args, services: Services) -> int:
    downgrade_schema(services.settings.resolved_database_url, args.revision)
    print(f"database schema downgraded to {args.revision}", file=sys.stderr)
    return 0


def cmd_index_rebuild(args, services: Services) -> int:
    _ensure_schema(services)
    papers = rebuild_search_index(services.engine)
    print(f"full-text index rebuilt over {papers} paper(s)", file=sys.stderr)
    with transaction(services.sessions) as session:
        build = rebuild_term_statistics(session, now=datetime.now(UTC))
    print(
        f"term statistics rebuilt from a sample of {build.documents} paper(s) "
        f"({build.terms} terms)",
        file=sys.stderr,
    )
    with services.sessions() as session:
        total, current = fragment_counts(session)
    rendered = refresh_fragments(
        services.sessions,
        progress=lambda done: count_progress("rendering cards", done, total - current),
    )
    print(f"cards rendered for {rendered} paper(s), {current} already current", file=sys.stderr)
    return 0


def cmd_sources_list(args, services: Services) -> int:
    _ensure_schema(services)
    with services.sessions() as session:
        views = source_health(session)
    if args.json:
        print(json.dumps([source_to_json(v) for v in views]))
    else:
        print_sources_table(views)
    return 0


def cmd_sources_add(args, services: Services) -> int:
    _ensure_schema(services)
    every = args.every or services.settings.poll_interval_minutes
    with transaction(services.sessions) as session:
        source = add_source(
            session,
            args.target,
            kind=args.kind,
            label=args.label,
            every_minutes=every,
            now=datetime.now(UTC),
        )
        print(f"added source {source.id}: {source.label} <{source.url}>", file=sys.stderr)
    return 0


def cmd_sources_remove(args, services: Services) -> int:
    _ensure_schema(services)
    with transaction(services.sessions) as session:
        label = remove_source(session, args.id)
    print(f"removed source {args.id} ({label})", file=sys.stderr)
    return 0


def cmd_sources_defaults(args, services: Services) -> int:
    _ensure_schema(services)
    added = 0
    for category in DEFAULT_CATEGORIES:
        try:
            with transaction(services.sessions) as session:
                source = add_source(
                    session,
                    category,
                    kind="arxiv",
                    label=None,
                    every_minutes=services.settings.poll_interval_minutes,
                    now=datetime.now(UTC),
                )
                print(f"added source {source.id}: {source.label}", file=sys.stderr)
                added += 1
        except SourceError as error:
            print(f"skipped {category}: {error}", file=sys.stderr)
    print(f"{added} source(s) added", file=sys.stderr)
    return 0


def cmd_poll(args, services: Services) -> int:
    _ensure_schema(services)
    poller = services.poller
    with services.sessions() as session:
        if args.source:
            ids = existing_source_ids(session, args.source)
        elif args.due:
            ids = poller.due_source_ids()
        else:
            ids = [v.id for v in source_health(session) if v.enabled]
    if not ids:
        print("nothing to poll (add one with `academichub sources add cs.AI`)", file=sys.stderr)
    total = len(ids)
    done: list = []

    def report(outcome) -> None:
        done.append(outcome)
        progress_line(len(done), total, outcome)

    outcomes = poller.poll_many(ids, on_done=report)
    if args.json:
        print(json.dumps([outcome.__dict__ for outcome in outcomes]))
    if outcomes:
        print_poll_table(outcomes)
    failed = [o for o in outcomes if o.failed]
    if failed:
        names = ", ".join(f"{o.label} ({o.error})" for o in failed)
        print(f"error: {len(failed)} of {total} source(s) failed: {names}", file=sys.stderr)
        return 1
    return 0


def cmd_fill_gaps(args, services: Services) -> int:
    from app.scheduler import fill_missed_days

    _ensure_schema(services)
    report = fill_missed_days(services)
    if args.json:
        print(
            json.dumps(
                {
                    "days_filled": [[s, d.isoformat(), n] for s, d, n in report.days_filled],
                    "stopped": report.stopped,
                }
            )
        )
    for source_id, day, count in report.days_filled:
        print(f"source {source_id}: filled {day} with {count} paper(s)", file=sys.stderr)
    if report.stopped:
        print(f"error: {report.stopped}", file=sys.stderr)
        return 1
    if not report.days_filled:
        print("no missed announcement days", file=sys.stderr)
    return 0


def cmd_serve(args, services: Services) -> int:
    import uvicorn

    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    configure_logging(logging.INFO)
    upgrade_schema(services.settings.resolved_database_url)
    services.settings.resolved_secret_key()
    scheduler = None
    if not args.no_scheduler:
        # The scheduler lives in this (supervisor) process only: uvicorn's worker processes
        # build the app through the factory, which never starts one.
        from app.scheduler import build_scheduler

        scheduler = build_scheduler(services)
        scheduler.start()
    _export_settings(services.settings)
    try:
        uvicorn.run(
            "app.web:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
        )
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def cmd_worker(args, services: Services) -> int:
    from app.scheduler import build_scheduler

    _ensure_schema(services)
    configure_logging(logging.INFO)
    scheduler = build_scheduler(services)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    scheduler.start()
    print("worker running (poller, gap filler, briefer); Ctrl-C stops it", file=sys.stderr)
    stop.wait()
    scheduler.shutdown(wait=True)
    return 0


def _export_settings(settings: Settings) -> None:
    """Pass resolved paths to uvicorn's worker processes, which read settings afresh."""
    os.environ["ACADEMICHUB_DATA_DIR"] = str(settings.data_dir.resolve())
    os.environ["ACADEMICHUB_DATABASE_URL"] = settings.resolved_database_url
