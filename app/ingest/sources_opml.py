"""OPML import and export of the configured sources (the database side of app/ingest/opml.py).

Import is idempotent: a feed whose URL is already a source is counted as present, never added
twice. Folders are reported but not stored: sources have no folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.opml import OpmlDocument, OpmlFeed
from app.ingest.sources import KINDS, SourceError, add_source
from app.models import Source


@dataclass
class OpmlImportReport:
    """What an import did: added (id, label), URLs already present, and outlines skipped."""

    added: list[tuple[int, str]] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def import_opml(
    session: Session, document: OpmlDocument, *, every_minutes: int, now: datetime
) -> OpmlImportReport:
    """Add every feed of the document that is not a source yet."""
    report = OpmlImportReport(skipped=list(document.skipped))
    known = set(session.scalars(select(Source.url)))
    for feed in document.feeds:
        if feed.url in known:
            report.present.append(feed.url)
            continue
        kind = feed.kind if feed.kind in KINDS else None
        try:
            source = add_source(
                session,
                feed.url,
                kind=kind,
                label=feed.label,
                every_minutes=every_minutes,
                now=now,
            )
        except SourceError as error:
            report.skipped.append(f"{feed.label or feed.url}: {error}")
            continue
        known.add(source.url)
        report.added.append((source.id, source.label))
    return report


def exportable_feeds(session: Session) -> list[OpmlFeed]:
    """Every source with an http(s) URL (the built-in "Added by hand" source has none)."""
    feeds = []
    for source in session.scalars(select(Source).order_by(Source.id)):
        if urlsplit(source.url).scheme in ("http", "https"):
            feeds.append(OpmlFeed(url=source.url, label=source.label, kind=source.kind))
    return feeds
