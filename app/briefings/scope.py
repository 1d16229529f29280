"""What a briefing covers, and the papers in it, picked through the read side (app.curation)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from app.curation.daily import PaperFilters, default_view, list_papers
from app.curation.items import load_items
from app.radar.ranking import rank_radar
from app.schemas import PaperItem

MAX_PAPERS = 2_000  # a briefing of more papers than this covers the newest MAX_PAPERS
PAGE = 500


@dataclass(frozen=True)
class BriefingScope:
    """DESIGN's filters as a briefing scope: a day, or any filtered view (every day unless a day
    narrows it); nothing at all means the latest announcement day."""

    day: date | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sources: tuple[int, ...] = ()
    query: str | None = None
    # A personal briefing: this person's radar of the day (issue 6). Private to them; the
    # briefing row's user_id says so, and the other filters do not apply.
    radar_user: int | None = None

    @property
    def filters(self) -> PaperFilters:
        """The same filters the Curated Daily page and /api/papers take."""
        return PaperFilters(
            authors=self.authors,
            categories=self.categories,
            sources=self.sources,
            q=self.query,
            day=self.day,
        )

    def to_json(self) -> dict:
        """The `scope` of DESIGN's briefing record (`radar` only on personal briefings)."""
        scope = {
            "day": self.day.isoformat() if self.day else None,
            "authors": list(self.authors),
            "categories": list(self.categories),
            "sources": list(self.sources),
            "query": self.query,
        }
        if self.radar_user is not None:
            scope["radar"] = True
        return scope

    def describe(self) -> str:
        """The briefing's heading: "Briefing: 2024-11-28 · category cs.LG"."""
        parts = [self.day.isoformat()] if self.day else ["every day"]
        if self.radar_user is not None:
            return "Your radar: " + parts[0]
        parts += [f"category {c}" for c in self.categories]
        parts += [f"author {a}" for a in self.authors]
        parts += [f"source {s}" for s in self.sources]
        if self.query:
            parts.append(f"search “{self.query}”")
        return "Briefing: " + " · ".join(parts)

    def dumps(self) -> str:
        stored = self.to_json()
        if self.radar_user is not None:
            stored["radar"] = self.radar_user  # the owner's id, stored; shown as `true`
        return json.dumps(stored, sort_keys=True)

    @classmethod
    def from_json(cls, data: dict) -> BriefingScope:
        """A scope from its JSON; raises ValueError on a malformed one."""
        if not isinstance(data, dict):
            raise ValueError("scope must be an object")
        unknown = set(data) - {"day", "authors", "categories", "sources", "query", "radar"}
        if unknown:
            raise ValueError(f"unknown scope field {sorted(unknown)[0]!r}")
        day = data.get("day")
        query = data.get("query")
        if query is not None and (not isinstance(query, str) or not query.strip()):
            raise ValueError("query must be a non-empty string")
        return cls(
            day=date.fromisoformat(day) if day else None,
            authors=_strings(data.get("authors") or [], "authors"),
            categories=_strings(data.get("categories") or [], "categories"),
            sources=_ids(data.get("sources") or []),
            query=query.strip() if query else None,
            radar_user=_radar_user(data.get("radar")),
        )

    @classmethod
    def loads(cls, text: str) -> BriefingScope:
        return cls.from_json(json.loads(text))


def _strings(values, name: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{name} must be a list of non-empty strings")
    return tuple(v.strip() for v in values)


def _radar_user(value) -> int | None:
    # Stored rows carry the owner's id; a scope sent by a client says `true` at most, and the
    # web sets the owner from the session, never from the body.
    if value is None or value is False or value is True:
        return None
    if not isinstance(value, int) or value <= 0:
        raise ValueError("radar must be true or false")
    return value


def _ids(values) -> tuple[int, ...]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise ValueError("sources must be a list of source ids")
    return tuple(values)


def resolve_scope(session: Session, scope: BriefingScope) -> BriefingScope:
    """Pin an empty scope to the latest announcement day, as the Curated Daily page does."""
    view = default_view(session, scope.filters)
    if view.day == scope.day:
        return scope
    return replace(scope, day=scope.day if view.day is None else view.day)


def select_scope_papers(
    session: Session, scope: BriefingScope, limit: int = MAX_PAPERS
) -> list[PaperItem]:
    """The scope's papers (at most `limit`), read page by page through `list_papers`; a
    personal scope's are the person's radar of the day, best first."""
    if scope.radar_user is not None:
        entries = rank_radar(
            session,
            scope.radar_user,
            since=scope.day,
            until=scope.day,
            limit=limit,
            now=datetime.now(UTC),
        )
        return load_items(session, [entry.paper_id for entry in entries])
    items: list[PaperItem] = []
    page = 1
    while len(items) < limit:
        filters = replace(scope.filters, page=page)
        result = list_papers(session, filters, page_size=PAGE)
        items.extend(result.items)
        if not result.has_next:
            break
        page += 1
    return items[:limit]
