"""Request dependencies: a database session per request and DESIGN's filters, parsed strictly."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from app.curation.daily import PaperFilters

MAX_PAGE = 10_000
MAX_VALUE_LENGTH = 300
MAX_SEED = 2**63  # shuffle seeds fit a signed 64-bit integer in any client
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# Control characters other than whitespace: PostgreSQL refuses NUL in text, none belong in a filter.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def get_session(request: Request) -> Iterator[Session]:
    """A read session for one request; routes never commit reads."""
    with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_write_session(request: Request) -> Iterator[Session]:
    """A session that may write (briefing requests); the route commits."""
    with request.app.state.write_session_factory() as session:
        yield session


WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def parse_page(request: Request) -> int:
    """`page` alone (lists without filters); anything else is a 400."""
    return parse_filters(request, frozenset({"page"})).page


class BadParameterError(HTTPException):
    """A malformed or unknown query parameter: 400 with a message, never a 500."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=400, detail=message)


def parse_filters(request: Request, allowed: frozenset[str]) -> PaperFilters:
    """Parse DESIGN's filter parameters; anything unknown or malformed is a 400."""
    params = request.query_params
    unknown = sorted(set(params.keys()) - allowed)
    if unknown:
        raise BadParameterError(
            f"unknown parameter {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )
    for name, value in params.multi_items():
        if len(value) > MAX_VALUE_LENGTH:
            raise BadParameterError(f"{name} is longer than {MAX_VALUE_LENGTH} characters")
        if _CONTROL.search(value):
            raise BadParameterError(f"{name} must not contain control characters")
    return PaperFilters(
        authors=_texts(params.getlist("author"), "author"),
        categories=_texts(params.getlist("category"), "category"),
        sources=tuple(_integer(v, "source", 1) for v in params.getlist("source")),
        q=_single(params.getlist("q"), "q"),
        day=_day(_single(params.getlist("day"), "day")),
        page=_integer(_single(params.getlist("page"), "page") or "1", "page", 1, MAX_PAGE),
        shuffle=_seed(_single(params.getlist("shuffle"), "shuffle")),
    )


def _texts(values: list[str], name: str) -> tuple[str, ...]:
    cleaned = tuple(v.strip() for v in values)
    if any(not v for v in cleaned):
        raise BadParameterError(f"{name} must not be empty")
    return cleaned


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadParameterError(f"{name} may be given only once")
    if values and not values[0].strip():
        raise BadParameterError(f"{name} must not be empty")
    return values[0].strip() if values else None


def _integer(value: str, name: str, minimum: int, maximum: int | None = None) -> int:
    # ASCII digits only: int() would also take "1_000", " 7" and other scripts' digits.
    if not _WHOLE_NUMBER.fullmatch(value):
        raise BadParameterError(f"{name} must be a whole number, got {value!r}")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum else f"at least {minimum}"
        raise BadParameterError(f"{name} must be {bound}, got {number}")
    return number


def _seed(value: str | None) -> int | None:
    return None if value is None else _integer(value, "shuffle", 0, MAX_SEED)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadParameterError(f"day must be a date as YYYY-MM-DD, got {value!r}") from None
