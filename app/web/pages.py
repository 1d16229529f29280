"""HTML pages: Curated Daily (`/`), one paper with its similar papers (`/papers/{id}`), one
author (`/authors/{name}`) and the sources (`/sources`).

Routes parse input, call one builder and render its typed page context (app.web.daily_view,
app.web.views) with a template (app.web.templating).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.briefings.tldr_store import tldrs_by_row
from app.web.auth import OptionalUserDep
from app.web.author_view import build_author_page
from app.web.daily_view import build_daily_page
from app.web.deps import MAX_VALUE_LENGTH, BadParameterError, SessionDep, parse_filters
from app.web.links import PAGE_FILTERS, ViewQuery
from app.web.paper_view import build_paper_page
from app.web.sources_view import build_sources_page
from app.web.templating import render_page

router = APIRouter(include_in_schema=False)

SEED_LIMIT = 1_000_000_000


def next_seed(request: Request) -> int:
    """The Shuffle link's seed, derived from the page's own URL.

    app.js draws a fresh seed on every press; without script, each shuffled page links to the
    next draw. Derived rather than random, a page is a function of its URL and the data, so
    app.web.page_cache can answer it from memory.
    """
    digest = hashlib.sha256(f"{request.url.path}?{request.url.query}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (SEED_LIMIT - 1) + 1


def _blank_parameters_redirect(request: Request) -> Response | None:
    # An emptied search box or date picker submits `q=` / `day=`; a form should not earn a 400,
    # so such requests go to the same view without the blank field.
    params = request.query_params.multi_items()
    kept = [(k, v) for k, v in params if not (k in ("q", "day") and not v.strip())]
    if len(kept) == len(params):
        return None
    return RedirectResponse(ViewQuery(tuple(kept)).href(request.url.path), status_code=303)


@router.get("/", response_class=HTMLResponse)
def daily(request: Request, session: SessionDep) -> Response:
    """Curated Daily: the latest announcement day, or any filtered or shuffled view."""
    redirect = _blank_parameters_redirect(request)
    if redirect is not None:
        return redirect
    filters = parse_filters(request, PAGE_FILTERS)
    tldrs = tldrs_by_row if request.app.state.settings.tldr_on_cards else None
    return render_page("daily.html", build_daily_page(session, filters, next_seed(request), tldrs))


@router.get("/papers/{paper_id:path}", response_class=HTMLResponse)
def paper(paper_id: str, request: Request, session: SessionDep) -> Response:
    """One paper by its public id (`2606.12883`, `hep-th/9901001`, `doi:…`)."""
    parse_filters(request, frozenset())
    page = build_paper_page(session, paper_id)
    if page is None:
        raise HTTPException(
            status_code=404, detail=f"No paper with id “{paper_id}” is stored here."
        )
    return render_page("paper.html", page)


@router.get("/authors/{name:path}", response_class=HTMLResponse)
def author(name: str, request: Request, session: SessionDep) -> Response:
    """One author's papers, newest first."""
    filters = parse_filters(request, frozenset({"page"}))
    name = name.strip()
    if not name or len(name) > MAX_VALUE_LENGTH:
        raise BadParameterError(f"an author name must have 1 to {MAX_VALUE_LENGTH} characters")
    context = build_author_page(session, name, filters.page)
    if context is None:
        raise HTTPException(status_code=404, detail=f"No papers by “{name}” are stored here.")
    return render_page("author.html", context)


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, session: SessionDep, user: OptionalUserDep) -> Response:
    """Configured sources with their health, and the catalogue with the command for each;
    an admin also gets the forms that add and remove sources (app.web.sources_admin)."""
    parse_filters(request, frozenset())
    page = build_sources_page(session)
    if user is None or not user.is_admin:
        return render_page("sources.html", page)
    page = replace(page, admin_csrf=user.csrf_token)
    return render_page("sources.html", page, headers={"Cache-Control": "private, no-store"})
