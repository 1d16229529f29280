"""Briefing pages: `/briefings` (list), `/briefings/{id}` (rendered), `/briefings/{id}.md`
(download), and `POST /briefings` (the Curated Daily page's "Brief this view" form)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MultiDict

from app.briefings.scope import BriefingScope
from app.briefings.store import get_briefing, list_briefings
from app.web.auth import OptionalUserDep
from app.web.briefing_view import briefing_markdown, build_briefing_page, build_list_page
from app.web.briefings_api import queue_anonymous
from app.web.deps import BadParameterError, SessionDep, WriteSessionDep, parse_page
from app.web.templating import render_page
from app.web.views import Pager

router = APIRouter(include_in_schema=False)
LIST_PAGE = 20
FORM_FIELDS = frozenset({"author", "category", "source", "q", "day"})


@router.get("/briefings", response_class=HTMLResponse)
def briefings(request: Request, session: SessionDep) -> Response:
    """Every briefing, newest first."""
    page = parse_page(request)
    records, total = list_briefings(session, page, LIST_PAGE)
    has_next = page * LIST_PAGE < total
    pager = None
    if page > 1 or has_next:
        previous = f"/briefings?page={page - 1}" if page > 1 else None
        pager = Pager(page, previous, f"/briefings?page={page + 1}" if has_next else None)
    return render_page("briefings.html", build_list_page(records, pager))


@router.get("/briefings/{briefing_id}.md")
def briefing_download(
    briefing_id: int, request: Request, session: SessionDep, user: OptionalUserDep
) -> Response:
    """The briefing as a Markdown file with its references."""
    record = _done(session, briefing_id, user.id if user else None)
    text = briefing_markdown(record, str(request.base_url))
    headers = {"Content-Disposition": f'attachment; filename="briefing-{briefing_id}.md"'}
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8", headers=headers)


@router.get("/briefings/{briefing_id}", response_class=HTMLResponse)
def briefing(
    briefing_id: int, request: Request, session: SessionDep, user: OptionalUserDep
) -> Response:
    """One briefing: its body with linked citations and its references (a personal one only
    for its owner; anyone else gets the same 404 as for a missing one)."""
    parse_page(request)
    record = get_briefing(session, briefing_id, user.id if user else None)
    if record is None:
        raise HTTPException(status_code=404, detail=f"There is no briefing {briefing_id}.")
    return render_page("briefing.html", build_briefing_page(record))


@router.post("/briefings")
async def request_briefing(request: Request, session: WriteSessionDep) -> Response:
    """ "Brief this view": queue an offline briefing of the posted filters, then show it."""
    # A plain urlencoded form: parsed here rather than pulling in python-multipart for it.
    pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    form = MultiDict(pairs)
    unknown = sorted(set(form.keys()) - FORM_FIELDS)
    if unknown:
        raise BadParameterError(f"unknown field {unknown[0]!r}")
    try:
        day = form.get("day") or None
        scope = BriefingScope.from_json(
            {
                "day": day,
                "authors": [str(v) for v in form.getlist("author")],
                "categories": [str(v) for v in form.getlist("category")],
                "sources": [int(str(v)) for v in form.getlist("source")],
                "query": form.get("q") or None,
            }
        )
    except (ValueError, TypeError) as error:
        raise BadParameterError(f"cannot brief this view: {error}") from None
    client = request.client.host if request.client else "unknown"
    briefing_id = await run_in_threadpool(queue_anonymous, session, scope, client)
    return RedirectResponse(f"/briefings/{briefing_id}", status_code=303)


def _done(session, briefing_id: int, viewer_id: int | None):
    record = get_briefing(session, briefing_id, viewer_id)
    if record is None or record.status != "done":
        raise HTTPException(status_code=404, detail=f"Briefing {briefing_id} has no text yet.")
    return record
