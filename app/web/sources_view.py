"""The /sources page: configured sources with their health, and the built-in catalogue.

Read-only: adding a source from the web waits for admin accounts, so each catalogue entry shows
the exact command that adds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.catalogue import CatalogueEntry, catalogue
from app.curation.sources import SourceHealth, source_health


@dataclass(frozen=True)
class ConfiguredSource:
    id: int
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
    admin_csrf: str = ""  # an admin's CSRF token: the page shows them the add and remove forms
    message: str | None = None
    error: str | None = None


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
    public = frozenset(e.url for e in catalogue())
    return SourcesPage(
        sources=tuple(_configured(s, public) for s in health),
        groups=groups,
        configured_urls=urls,
        catalogue_size=len(catalogue()),
    )


def shown_url(url: str, public: frozenset[str]) -> str:
    """A catalogue URL in full; any other only as its host, since the page is public and a
    private feed's path or query may carry a token."""
    if url in public:
        return url
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else "(not a web feed)"


def _configured(source: SourceHealth, public: frozenset[str]) -> ConfiguredSource:
    status = source.status if source.enabled else f"{source.status} (disabled)"
    url = shown_url(source.url, public)
    error = source.last_error.replace(source.url, url) if source.last_error else None
    return ConfiguredSource(
        id=source.id,
        label=source.label,
        kind=source.kind,
        url=url,
        status=status,
        failures=source.failures,
        last_error=error,
        last_poll=_when(source.last_polled_at),
        next_poll=_when(source.next_poll_at) if source.enabled else "never",
    )


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"
