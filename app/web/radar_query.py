"""The radar's date range from a request (`day`, or `since` and `until`), and its entries."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime

from fastapi import Request
from sqlalchemy.orm import Session

from app.radar.ranking import RadarEntry, RadarRangeError, rank_radar
from app.web.deps import BadParameterError

RANGE_PARAMETERS = frozenset({"day", "since", "until"})
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
    """(since, until) as asked (`day` is both; none: the latest announcement day); a malformed
    value is a 400. The ranking resolves a missing end and checks the range (RadarRangeError,
    a 400 through `range_errors_as_400`)."""
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
    return since, until


@contextmanager
def range_errors_as_400():
    """A range the ranking refuses (reversed, too long) answers 400 with its message."""
    try:
        yield
    except RadarRangeError as error:
        raise BadParameterError(str(error)) from None


def radar_entries(
    session: Session, user_id: int, since: date | None, until: date | None
) -> list[RadarEntry]:
    """The person's ranked radar for the range, the top RADAR_SIZE."""
    with range_errors_as_400():
        return rank_radar(
            session, user_id, since=since, until=until, limit=RADAR_SIZE, now=datetime.now(UTC)
        )
