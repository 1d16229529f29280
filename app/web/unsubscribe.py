"""One-click unsubscribe from the daily digest: `GET /unsubscribe/{token}` shows a one-button
form, `POST /unsubscribe/{token}` turns the digest off (RFC 8058: mail clients POST
`List-Unsubscribe=One-Click` to the same URL).

No log-in and no CSRF token: the secret in the URL is the proof, and the POST only ever turns a
digest off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from app.deliveries.unsubscribe import unsubscribe, unsubscribe_email
from app.web.deps import SessionDep, WriteSessionDep
from app.web.templating import render_page

router = APIRouter(include_in_schema=False)
# The token must not leave through a Referer header or stay in a shared cache.
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
NOT_VALID = "This unsubscribe link is not valid any more. A newer digest carries a newer one."


@dataclass(frozen=True)
class UnsubscribePage:
    """The form (before) or the confirmation (after) of one unsubscribe link."""

    email: str
    done: bool
    action: str


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_form(token: str, session: SessionDep) -> Response:
    """A page with one button, so a mail scanner following links never unsubscribes anyone."""
    email = unsubscribe_email(session, token)
    if email is None:
        raise HTTPException(status_code=404, detail=NOT_VALID, headers=PRIVATE_HEADERS)
    page = UnsubscribePage(email=email, done=False, action=f"/unsubscribe/{token}")
    return render_page("unsubscribe.html", page, headers=PRIVATE_HEADERS)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_now(token: str, session: WriteSessionDep) -> Response:
    """The one click: the digest is off, and the page says so."""
    email = unsubscribe_email(session, token)
    if email is None or not unsubscribe(session, token, now=datetime.now(UTC)):
        raise HTTPException(status_code=404, detail=NOT_VALID, headers=PRIVATE_HEADERS)
    session.commit()
    page = UnsubscribePage(email=email, done=True, action=f"/unsubscribe/{token}")
    return render_page("unsubscribe.html", page, headers=PRIVATE_HEADERS)
