"""Source management: add, list and remove the feeds we poll (the write door for `sources`)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue import ARXIV_CATEGORY, ARXIV_FEED_BASE, DEFAULT_SOURCES, find_entry
from app.ingest import biorxiv
from app.ingest.schedule import arxiv_feed_categories, is_arxiv_announcement_feed
from app.models import Source

KINDS = ("arxiv", "rss", "atom", "biorxiv")
DEFAULT_CATEGORIES = DEFAULT_SOURCES


class SourceError(ValueError):
    """A source cannot be added or found as asked."""


def resolve_source(target: str, kind: str | None) -> tuple[str, str]:
    """A URL, a catalogue name ("Nature", "bioRxiv Genomics"), arXiv categories ("cs.AI",
    "arxiv:cs.AI+stat.ML") or "biorxiv[:SUBJECT]" as (url, kind)."""
    if kind is not None and kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
    if biorxiv_url := biorxiv.short_form_url(target):
        return biorxiv_url, "biorxiv"
    name = target.removeprefix("arxiv:")
    if "://" not in target:
        entry = find_entry(name)
        if entry is not None and entry.kind != "arxiv":
            return entry.url, kind or entry.kind
        return ARXIV_FEED_BASE + "+".join(_arxiv_codes(target, name)), kind or "arxiv"
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


def _arxiv_codes(target: str, name: str) -> list[str]:
    """The taxonomy's spelling of each "+"-joined arXiv code; SourceError for anything else."""
    codes = []
    for part in name.split("+"):
        entry = find_entry(part)
        if entry is not None and entry.kind == "arxiv":
            codes.append(entry.name)
        elif ARXIV_CATEGORY.match(part):
            raise SourceError(
                f"unknown arXiv category {part!r}; `academichub sources catalogue` lists them"
            )
        else:
            raise SourceError(
                f"{target!r} is neither a URL, an arXiv category such as cs.AI or math, nor a "
                "name from `academichub sources catalogue`"
            )
    return codes


def catalogue_label(target: str) -> str | None:
    """A journal's or preprint subject's catalogue name as the label (arXiv keeps its own)."""
    entry = find_entry(target) if "://" not in target else None
    return entry.name if entry is not None and entry.kind != "arxiv" else None


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
        label=label or catalogue_label(target) or default_label(url),
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
