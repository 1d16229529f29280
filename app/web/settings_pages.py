"""The follows page (/settings): follows and mute rules, their JSON import and export, and
deliveries (daily e-mail digest, webhook, hiding seen papers); /follow for following by link."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.accounts import follows, preferences
from app.deliveries.webhook import WebhookURLError, check_webhook_url
from app.web.auth import PageUserDep, check_form_csrf
from app.web.templating import render_page

router = APIRouter(include_in_schema=False)
PRIVATE = {"Cache-Control": "private, no-store"}
KIND_NAMES = {
    "author": "Author",
    "keyword": "Keyword or phrase",
    "category": "Category",
    "source": "Source",
}
MAX_IMPORT_BYTES = 1_000_000


@dataclass(frozen=True)
class SettingsPage:
    csrf_token: str
    follows: tuple
    mutes: tuple
    kinds: dict
    preferences: preferences.Preferences
    smtp_configured: bool
    message: str | None
    error: str | None


def _page(request: Request, user, *, message=None, error=None, status: int = 200) -> Response:
    with request.app.state.session_factory() as session:
        rules = follows.list_follows(session, user.id)
        prefs = preferences.get_preferences(session, user.id)
    page = SettingsPage(
        user.csrf_token,
        tuple(r for r in rules if not r.muted),
        tuple(r for r in rules if r.muted),
        KIND_NAMES,
        prefs,
        bool(request.app.state.settings.smtp_host),
        message,
        error,
    )
    return render_page("settings.html", page, status_code=status, headers=PRIVATE)


@router.get("/settings")
def settings_page(request: Request, user: PageUserDep, added: str | None = None) -> Response:
    """Follows, mute rules and deliveries."""
    return _page(request, user, message=f"Now following {added}." if added else None)


async def _add_from_form(request: Request, user) -> tuple[str, bool] | str:
    """Add the rule a form post asked for: its (value, muted), or why not (a message)."""
    await check_form_csrf(request, user)
    form = await request.form()
    try:
        with request.app.state.write_session_factory() as session, session.begin():
            rule = follows.add_follow(
                session,
                user.id,
                str(form.get("kind", "")),
                str(form.get("value", "")),
                muted=form.get("muted") == "1",
                now=datetime.now(UTC),
            )
            return rule.value, rule.muted
    except follows.FollowError as error:
        return str(error)


@router.post("/settings/follows")
async def add_rule(request: Request, user: PageUserDep) -> Response:
    """Add a follow or a mute rule from the page's form."""
    added = await _add_from_form(request, user)
    if isinstance(added, str):
        return _page(request, user, error=f"Not added: {added}.", status=400)
    value, muted = added
    return _page(request, user, message=f"{'Muted' if muted else 'Following'} {value}.")


@router.post("/settings/follows/{follow_id}/remove")
async def remove_rule(request: Request, user: PageUserDep, follow_id: int) -> Response:
    """Remove one of the person's own rules."""
    await check_form_csrf(request, user)
    with request.app.state.write_session_factory() as session, session.begin():
        gone = follows.remove_follow(session, user.id, follow_id)
    if not gone:
        return _page(request, user, error="No such follow.", status=404)
    return _page(request, user, message="Removed.")


@router.post("/settings/follows/import")
async def import_rules(request: Request, user: PageUserDep) -> Response:
    """Import follows from an exported JSON file; a bad file adds nothing and says why."""
    await check_form_csrf(request, user)
    upload = (await request.form()).get("file")
    data = await upload.read(MAX_IMPORT_BYTES + 1) if hasattr(upload, "read") else b""
    if not data or len(data) > MAX_IMPORT_BYTES:
        return _page(request, user, error="Choose a follows file of at most 1 MB.", status=400)
    try:
        document = json.loads(data)
        with request.app.state.write_session_factory() as session, session.begin():
            result = follows.import_follows(session, user.id, document, now=datetime.now(UTC))
    except (ValueError, follows.FollowError) as error:
        return _page(request, user, error=f"Nothing imported: {error}.", status=400)
    message = f"Imported {result.added} follow(s); {result.already} you already had."
    return _page(request, user, message=message)


@router.post("/settings/deliveries")
async def deliveries(request: Request, user: PageUserDep) -> Response:
    """The daily digest switch, the webhook URL (checked), and hiding seen papers."""
    await check_form_csrf(request, user)
    form = await request.form()
    url = str(form.get("webhook_url", "")).strip() or None
    if url is not None:
        try:
            url = check_webhook_url(
                url, allow_private=request.app.state.settings.allow_private_urls
            )
        except WebhookURLError as error:
            return _page(request, user, error=f"Webhook not saved: {error}.", status=400)
    with request.app.state.write_session_factory() as session, session.begin():
        preferences.set_preferences(
            session,
            user.id,
            digest_enabled=form.get("digest_enabled") == "1",
            webhook_url=url,
            hide_seen=form.get("hide_seen") == "1",
        )
    return _page(request, user, message="Deliveries saved.")


@router.get("/follow")
def follow_form(request: Request, user: PageUserDep, kind: str, value: str) -> Response:
    """Following by link (author pages, no script): a page with one button."""
    what = KIND_NAMES.get(kind, kind).lower()
    return render_page(
        "confirm.html",
        {
            "csrf_token": user.csrf_token,
            "action": "/follow",
            "title": value,
            "fields": {"kind": kind, "value": value},
            "question": f"Follow this {what}?",
            "button": "Follow",
            "done": False,
        },
        headers=PRIVATE,
    )


@router.post("/follow")
async def follow(request: Request, user: PageUserDep) -> Response:
    """Add the follow, then show it among the others."""
    added = await _add_from_form(request, user)
    if isinstance(added, str):
        return _page(request, user, error=f"Not followed: {added}.", status=400)
    return RedirectResponse(f"/settings?added={quote(added[0])}", status_code=303)
