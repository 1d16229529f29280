"""`academichub sources catalogue | import-opml | export-opml`: built-in sources and OPML."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from app.catalogue import CatalogueEntry, catalogue
from app.cli_output import print_table
from app.db import schema_is_current, transaction
from app.ingest.opml import OpmlError, parse_opml, write_opml
from app.ingest.sources_opml import exportable_feeds, import_opml
from app.services import Services


class CatalogueCommandError(Exception):
    """A catalogue or OPML command failed; the message is the one stderr line."""


def add_catalogue_commands(sources) -> None:
    """Register `catalogue`, `import-opml` and `export-opml` under `academichub sources`."""
    listing = sources.add_parser("catalogue", help="built-in sources you can add by name")
    listing.add_argument("--search", metavar="TEXT", help="only entries whose name or group match")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_sources_catalogue)
    opml_in = sources.add_parser("import-opml", help="add the feeds of an OPML file")
    opml_in.add_argument("file", type=Path, metavar="FILE")
    opml_in.add_argument("--every", type=int, metavar="MINUTES")
    opml_in.add_argument("--json", action="store_true")
    opml_in.set_defaults(handler=cmd_sources_import_opml)
    opml_out = sources.add_parser("export-opml", help="print the sources as OPML on stdout")
    opml_out.set_defaults(handler=cmd_sources_export_opml)


def _ensure_schema(services: Services) -> None:
    if not schema_is_current(services.engine):
        raise CatalogueCommandError(
            "the database schema is not up to date; run `academichub db upgrade`"
        )


def matching_entries(search: str | None) -> list[CatalogueEntry]:
    """The catalogue, or the entries whose name, title or group contain `search` (any case)."""
    if not search:
        return list(catalogue())
    needle = search.casefold()
    return [e for e in catalogue() if needle in f"{e.title} {e.group} {e.name}".casefold()]


def cmd_sources_catalogue(args, services: Services) -> int:
    entries = matching_entries(args.search)
    if args.json:
        print(json.dumps([{**asdict(e), "add_command": e.add_command} for e in entries]))
        return 0
    if not entries:
        print(f"nothing in the catalogue matches {args.search!r}", file=sys.stderr)
        return 0
    rows = [[e.group, e.title, e.kind, e.add_command] for e in entries]
    print_table(["group", "source", "kind", "add it with"], rows)
    print(f"{len(entries)} source(s); `sources add URL` adds any other feed", file=sys.stderr)
    return 0


def cmd_sources_import_opml(args, services: Services) -> int:
    _ensure_schema(services)
    try:
        document = parse_opml(args.file.read_bytes())
    except OSError as error:
        raise CatalogueCommandError(f"cannot read {args.file}: {error.strerror}") from error
    except OpmlError as error:
        raise CatalogueCommandError(f"{args.file}: {error}") from error
    every = args.every or services.settings.poll_interval_minutes
    if every < 1:
        raise CatalogueCommandError("--every must be at least 1 minute")
    with transaction(services.sessions) as session:
        report = import_opml(session, document, every_minutes=every, now=datetime.now(UTC))
    for source_id, label in report.added:
        print(f"added source {source_id}: {label}", file=sys.stderr)
    for reason in report.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    print(
        f"{len(report.added)} added, {len(report.present)} already present, "
        f"{len(report.skipped)} skipped",
        file=sys.stderr,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "added": [{"id": i, "label": label} for i, label in report.added],
                    "present": report.present,
                    "skipped": report.skipped,
                }
            )
        )
    return 0


def cmd_sources_export_opml(args, services: Services) -> int:
    _ensure_schema(services)
    with services.sessions() as session:
        feeds = exportable_feeds(session)
    sys.stdout.write(write_opml(feeds, datetime.now(UTC)))
    print(f"{len(feeds)} source(s) exported", file=sys.stderr)
    return 0
