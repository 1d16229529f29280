"""A person's API under /api/me: session cookie or `Authorization: Bearer <personal token>`.

None → 401; a route only ever reads or changes the caller's own rows (DESIGN). Writes made with a
session cookie need the session's CSRF token in the `X-CSRF-Token` header (app.web.auth).
"""

from __future__ import annotations

from fastapi import APIRouter

from app.web.auth import ApiUserDep

router = APIRouter(prefix="/api/me", tags=["me"])


@router.get("")
def me(user: ApiUserDep) -> dict:
    """Who the credentials belong to, and the CSRF token for cookie-authenticated writes."""
    return {"email": user.email, "admin": user.is_admin, "csrf_token": user.csrf_token or None}
