"""JSON API of briefings: list, one record, and requests (a scope → a queued job to poll)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.briefings.records import BriefingRecord
from app.briefings.requests import RateLimitedError, request_anonymous
from app.briefings.scope import BriefingScope
from app.briefings.store import get_briefing, list_briefings
from app.web.auth import OptionalUserDep
from app.web.deps import BadParameterError, SessionDep, WriteSessionDep, parse_page

router = APIRouter(prefix="/api")
BRIEFINGS_PAGE = 20


@router.get("/briefings")
def briefings(request: Request, session: SessionDep) -> dict:
    """Briefings, newest first, 20 a page: `{"items", "total", "next"}`."""
    page = parse_page(request)
    items, total = list_briefings(session, page, BRIEFINGS_PAGE)
    has_next = page * BRIEFINGS_PAGE < total
    next_url = str(request.url.include_query_params(page=page + 1)) if has_next else None
    return {"items": [i.model_dump(mode="json") for i in items], "total": total, "next": next_url}


@router.get("/briefings/{briefing_id}", response_model=BriefingRecord)
def briefing(briefing_id: int, session: SessionDep, user: OptionalUserDep) -> BriefingRecord:
    """One briefing: `status` queued|running|done|failed, `body` (Markdown), `references`, …
    A personal briefing answers only its owner (anyone else: 404, as for a missing one)."""
    record = get_briefing(session, briefing_id, user.id if user else None)
    if record is None:
        raise HTTPException(status_code=404, detail=f"no briefing with id {briefing_id}")
    return record


@router.post("/briefings", status_code=202)
async def request_briefing(request: Request, session: WriteSessionDep) -> JSONResponse:
    """Queue a briefing of a scope (`day`, `authors`, `categories`, `sources`, `query`; none: the
    latest day) → `{"id", "status"}`. Anonymous requests use the offline backend, rate-limited."""
    scope = await _json_object(request)
    backend = scope.pop("backend", "offline")
    if backend != "offline":
        raise HTTPException(status_code=403, detail="anonymous briefings use the offline backend")
    try:
        parsed = BriefingScope.from_json(scope)
    except (ValueError, TypeError) as error:
        raise BadParameterError(f"bad scope: {error}") from None
    client = request.client.host if request.client else "unknown"
    briefing_id = await run_in_threadpool(queue_anonymous, session, parsed, client)
    return JSONResponse({"id": briefing_id, "status": "queued"}, status_code=202)


def queue_anonymous(session: Session, scope: BriefingScope, client: str) -> int:
    """Queue an anonymous visitor's offline briefing and commit it; 429 past the rate limit.
    Blocking database work: async routes run it in the thread pool."""
    try:
        briefing_id = request_anonymous(session, scope, client, datetime.now(UTC))
    except RateLimitedError as error:
        raise HTTPException(
            status_code=429, detail=str(error), headers={"Retry-After": str(error.retry_after)}
        ) from None
    session.commit()
    return briefing_id


async def _json_object(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadParameterError("the request body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadParameterError("the request body must be a JSON object")
    return data
