"""Managing sources from the web: admins only (issue 6), each form guarded by its CSRF token.

The one web module allowed into app.ingest, and only into app.ingest.sources: the write door for
the sources table (validation and the catalogue's names), which fetches nothing. Polling stays
with the worker; a new source is polled at its first due time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.ingest.sources import SourceError, add_source, remove_source
from app.web.auth import CurrentUser, PageUserDep, check_form_csrf
from app.web.sources_view import build_sources_page
from app.web.templating import render_page

router = APIRouter(include_in_schema=False)
MAX_EVERY_MINUTES = 7 * 24 * 60


def _admin(user: CurrentUser) -> CurrentUser:
    if not user.is_admin:
        raise HTTPException(403, "Only an admin of this instance manages sources.")
    return user


def _page(request: Request, user: CurrentUser, *, message=None, error=None, status=200):
    with request.app.state.session_factory() as session:
        page = build_sources_page(session)
    page = replace(page, admin_csrf=user.csrf_token, message=message, error=error)
    headers = {"Cache-Control": "private, no-store"}
    return render_page("sources.html", page, status_code=status, headers=headers)


def _minutes(value: str, default: int) -> int:
    if not value.strip():
        return default
    if not value.strip().isdigit() or not 1 <= int(value) <= MAX_EVERY_MINUTES:
        raise SourceError(f"the interval must be 1 to {MAX_EVERY_MINUTES} minutes")
    return int(value)


@router.post("/sources/add")
async def add(request: Request, user: PageUserDep) -> Response:
    """Add a feed URL or a catalogue name (what `academichub sources add` takes)."""
    _admin(user)
    await check_form_csrf(request, user)
    form = await request.form()
    target, label = str(form.get("target", "")).strip(), str(form.get("label", "")).strip()
    try:
        every = _minutes(
            str(form.get("every", "")), request.app.state.settings.poll_interval_minutes
        )
        with request.app.state.write_session_factory() as session, session.begin():
            source = add_source(
                session,
                target,
                kind=None,
                label=label or None,
                every_minutes=every,
                now=datetime.now(UTC),
            )
            message = f"Added source {source.id}, {source.label}; the worker polls it next."
    except SourceError as error:
        return _page(request, user, error=f"Not added: {error}.", status=400)
    return _page(request, user, message=message)


@router.post("/sources/{source_id}/remove")
async def remove(request: Request, user: PageUserDep, source_id: int) -> Response:
    """Remove a source and its listings (its papers stay)."""
    _admin(user)
    await check_form_csrf(request, user)
    try:
        with request.app.state.write_session_factory() as session, session.begin():
            label = remove_source(session, source_id)
    except SourceError as error:
        return _page(request, user, error=f"Not removed: {error}.", status=404)
    return _page(request, user, message=f"Removed {label}; its papers stay.")
