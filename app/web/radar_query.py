"""The radar's date range from a request (`day`, or `since` and `until`), and its entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import Request
from sqlalchemy.orm import Session

from app.radar.ranking import RadarEntry, rank_radar
from app.web.deps import BadParameterError

RANGE_PARAMETERS = frozenset({"day", "since", "until"})
MAX_RANGE = timedelta(days=31)  # a month of papers is already more than anyone reads
RADAR_SIZE = 100


def _date(request: Request, name: str) -> date | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise BadParameterError(f"{name} may be given only once")
    if not values or not values[0].strip():
        return None
    try:
        return date.fromisoformat(values[0].strip())
    except ValueError:
        raise BadParameterError(f"{name} must be a date as YYYY-MM-DD, got {values[0]!r}") from None


def parse_radar_range(request: Request, extra: frozenset[str] = frozenset()) -> tuple:
    """(since, until), both None for the latest announcement day; a bad value is a 400."""
    unknown = sorted(set(request.query_params.keys()) - RANGE_PARAMETERS - extra)
    if unknown:
        allowed = ", ".join(sorted(RANGE_PARAMETERS | extra))
        raise BadParameterError(f"unknown parameter {unknown[0]!r}; allowed: {allowed}")
    day = _date(request, "day")
    since, until = _date(request, "since"), _date(request, "until")
    if day is not None:
        if since or until:
            raise BadParameterError("give either day, or since and until, not both")
        return day, day
    if since is None and until is None:
        return None, None
    since = since or (until - MAX_RANGE + timedelta(days=1))
    until = until or datetime.now(UTC).date()
    if since > until:
        raise BadParameterError("since must not be after until")
    if until - since >= MAX_RANGE:
        raise BadParameterError(f"a range may cover at most {MAX_RANGE.days} days")
    return since, until


def radar_entries(
    session: Session, user_id: int, since: date | None, until: date | None
) -> list[RadarEntry]:
    """The person's ranked radar for the range, the top RADAR_SIZE."""
    return rank_radar(
        session, user_id, since=since, until=until, limit=RADAR_SIZE, now=datetime.now(UTC)
    )
