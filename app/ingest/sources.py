"""Source management: add, list and remove the feeds we poll (the write door for `sources`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest import biorxiv
from app.ingest.schedule import arxiv_feed_categories, is_arxiv_announcement_feed
from app.models import Source

KINDS = ("arxiv", "rss", "atom", "biorxiv")
ARXIV_FEED_BASE = "https://rss.arxiv.org/rss/"
# An arXiv archive or category id: "cs", "cs.AI", "math.AG", "hep-th", "astro-ph.CO", "q-bio.NC".
ARXIV_CATEGORY = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z\-]+)?$")
DEFAULT_CATEGORIES = ("cs.AI", "cs.LG", "cs.CL")


class SourceError(ValueError):
    """A source cannot be added or found as asked."""


@dataclass(frozen=True)
class SourceView:
    """A source as `sources list` shows it."""

    id: int
    label: str
    kind: str
    url: str
    enabled: bool
    status: str
    failures: int
    last_error: str | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None


def resolve_source(target: str, kind: str | None) -> tuple[str, str]:
    """A URL, an arXiv category ("cs.AI", "arxiv:cs.AI+stat.ML") or "biorxiv[:SUBJECT]"."""
    if kind is not None and kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
    if biorxiv_url := biorxiv.short_form_url(target):
        return biorxiv_url, "biorxiv"
    name = target.removeprefix("arxiv:")
    if "://" not in target:
        parts = name.split("+")
        if not all(ARXIV_CATEGORY.match(part) for part in parts):
            raise SourceError(
                f"{target!r} is neither a URL nor an arXiv category such as cs.AI or math"
            )
        return ARXIV_FEED_BASE + "+".join(parts), kind or "arxiv"
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"{target!r} is not an http(s) URL")
    host = parts.hostname.lower()
    guessed = "arxiv" if host == "arxiv.org" or host.endswith(".arxiv.org") else "rss"
    if biorxiv.is_details_url(target):
        guessed = "biorxiv"
    if (kind or guessed) == "biorxiv":
        try:
            biorxiv.read_source_url(target)
        except biorxiv.BiorxivSourceError as error:
            raise SourceError(str(error)) from error
    return target, kind or guessed


def default_label(url: str) -> str:
    """A readable label: "arXiv cs.AI" for announcement feeds, else the host name."""
    if is_arxiv_announcement_feed(url):
        return "arXiv " + "+".join(arxiv_feed_categories(url))
    if biorxiv.is_details_url(url):
        return biorxiv.source_label(url)
    return urlsplit(url).hostname or url


def add_source(
    session: Session,
    target: str,
    *,
    kind: str | None,
    label: str | None,
    every_minutes: int,
    now: datetime,
) -> Source:
    """Add a source (or fail clearly if its URL is already there)."""
    if every_minutes < 1:
        raise SourceError("--every must be at least 1 minute")
    url, resolved_kind = resolve_source(target, kind)
    existing = session.scalar(select(Source).where(Source.url == url))
    if existing is not None:
        raise SourceError(f"{url} is already source {existing.id} ({existing.label})")
    source = Source(
        label=label or default_label(url),
        kind=resolved_kind,
        url=url,
        enabled=True,
        interval_minutes=every_minutes,
        status="new",
        failures=0,
        created_at=now,
    )
    session.add(source)
    session.flush()
    return source


def list_sources(session: Session) -> list[SourceView]:
    """Every source with its health, oldest first."""
    rows = session.scalars(select(Source).order_by(Source.id))
    return [
        SourceView(
            s.id,
            s.label,
            s.kind,
            s.url,
            s.enabled,
            s.status,
            s.failures,
            s.last_error,
            s.last_polled_at,
            s.next_poll_at,
        )
        for s in rows
    ]


def remove_source(session: Session, source_id: int) -> str:
    """Remove a source and its listings; papers stay. Returns the removed label."""
    source = session.get(Source, source_id)
    if source is None:
        raise SourceError(f"no source with id {source_id}")
    label = source.label
    session.delete(source)
    return label


def existing_source_ids(session: Session, ids: list[int]) -> list[int]:
    """The given ids, checked to exist; unknown ids are an error naming them."""
    found = set(session.scalars(select(Source.id).where(Source.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise SourceError(f"no source with id {', '.join(map(str, missing))}")
    return ids
