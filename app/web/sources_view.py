"""The /sources page: configured sources with their health, and the built-in catalogue.

Read-only: adding a source from the web waits for admin accounts, so each catalogue entry shows
the exact command that adds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.catalogue import CatalogueEntry, catalogue
from app.curation.sources import SourceHealth, source_health


@dataclass(frozen=True)
class ConfiguredSource:
    label: str
    kind: str
    url: str
    status: str
    failures: int
    last_error: str | None
    last_poll: str
    next_poll: str


@dataclass(frozen=True)
class CatalogueGroup:
    name: str
    entries: tuple[CatalogueEntry, ...]
    added: int  # how many of them are configured already


@dataclass(frozen=True)
class SourcesPage:
    sources: tuple[ConfiguredSource, ...]
    groups: tuple[CatalogueGroup, ...]
    configured_urls: frozenset[str]
    catalogue_size: int


def build_sources_page(session: Session) -> SourcesPage:
    """Both lists; catalogue entries already configured are marked, not hidden."""
    health = source_health(session)
    urls = frozenset(s.url for s in health)
    grouped: dict[str, list[CatalogueEntry]] = {}
    for entry in catalogue():
        grouped.setdefault(entry.group, []).append(entry)
    groups = tuple(
        CatalogueGroup(name, tuple(entries), sum(e.url in urls for e in entries))
        for name, entries in grouped.items()
    )
    return SourcesPage(
        sources=tuple(_configured(s) for s in health),
        groups=groups,
        configured_urls=urls,
        catalogue_size=len(catalogue()),
    )


def _configured(source: SourceHealth) -> ConfiguredSource:
    status = source.status if source.enabled else f"{source.status} (disabled)"
    return ConfiguredSource(
        label=source.label,
        kind=source.kind,
        url=source.url,
        status=status,
        failures=source.failures,
        last_error=source.last_error,
        last_poll=_when(source.last_polled_at),
        next_poll=_when(source.next_poll_at) if source.enabled else "never",
    )


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"
