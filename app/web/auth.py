"""Who is asking: signed session cookies, personal API tokens, and CSRF tokens.

Sessions live in a signed cookie (itsdangerous), not a server table, so web replicas stay
stateless (DESIGN). The cookie holds the account id, its `session_epoch` (raised by a password
change or "log out everywhere", which voids older cookies) and a random nonce; the CSRF token of
a session is an HMAC of that nonce. Anonymous forms (log-in, sign-up) get a nonce cookie of their
own, the double-submit pattern with a token the attacker cannot compute.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.accounts.tokens import mark_token_used, token_owner
from app.accounts.users import Account, find_user

SESSION_COOKIE = "ah_session"
FORM_NONCE_COOKIE = "ah_form"
# Not a secret: tells the page script there is a session worth asking /api/me/marks about.
SIGNED_IN_COOKIE = "ah_signed_in"
SESSION_LIFETIME = timedelta(days=30)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class CurrentUser:
    """The person behind a request and how they proved it (`session` or `token`)."""

    id: int
    email: str
    is_admin: bool
    via: str
    csrf_token: str  # empty for token requests, which need none


class LoginRequiredError(Exception):
    """A page for signed-in people was asked for without a session: go and log in."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfError(HTTPException):
    """A state-changing request without the right CSRF token."""

    def __init__(self) -> None:
        super().__init__(403, "This form has expired or did not come from this site; try again.")


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return request.app.state.session_serializer


def make_session_serializer(secret_key: str) -> URLSafeTimedSerializer:
    """The signer of session cookies for one secret key."""
    return URLSafeTimedSerializer(secret_key, salt="academichub.session")


def csrf_for(request: Request, nonce: str) -> str:
    """The CSRF token that goes with a nonce (an HMAC under the instance's secret)."""
    key = request.app.state.secret_key.encode()
    return hmac.new(key, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def _session_claims(request: Request) -> dict | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        claims = _serializer(request).loads(cookie, max_age=int(SESSION_LIFETIME.total_seconds()))
    except BadSignature:
        return None
    return claims if isinstance(claims, dict) else None


@dataclass(frozen=True)
class SessionClaims:
    """What a valid signature vouches for; the account's epoch must still match (checked by
    the caller, in whatever statement it reads the account's row with)."""

    user_id: int
    epoch: int
    csrf_token: str


def session_claims(request: Request) -> SessionClaims | None:
    """The signed session cookie's claims, read without the database."""
    claims = _session_claims(request)
    if claims is None or not isinstance(claims.get("u"), int):
        return None
    return SessionClaims(claims["u"], claims.get("e"), csrf_for(request, str(claims.get("n", ""))))


def _session_user(request: Request, session: Session | None = None) -> CurrentUser | None:
    claims = _session_claims(request)
    if claims is None:
        return None
    if session is None:
        with request.app.state.session_factory() as own:
            account = find_user(own, int(claims.get("u", 0)))
    else:
        account = find_user(session, int(claims.get("u", 0)))
    if account is None or account.session_epoch != claims.get("e"):
        return None
    return CurrentUser(
        account.id,
        account.email,
        account.is_admin,
        "session",
        csrf_for(request, str(claims.get("n", ""))),
    )


def _token_user(request: Request) -> CurrentUser | None:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    now = datetime.now(UTC)
    with request.app.state.session_factory() as session:
        owner = token_owner(session, secret.strip(), "api")
        account = find_user(session, owner.user_id) if owner else None
    if owner is None or account is None:
        raise HTTPException(401, "the API token is not valid", {"WWW-Authenticate": "Bearer"})
    with request.app.state.write_session_factory() as session, session.begin():
        mark_token_used(session, owner.token_id, now=now)
    return CurrentUser(account.id, account.email, account.is_admin, "token", "")


def optional_user(request: Request) -> CurrentUser | None:
    """The signed-in person, if any (a session cookie; API routes also take a bearer token)."""
    if not hasattr(request.state, "user"):
        user = _token_user(request) if request.url.path.startswith("/api/") else None
        request.state.user = user or _session_user(request)
    return request.state.user


def api_user(request: Request) -> CurrentUser:
    """The person behind an /api/me request: 401 without one; CSRF header on cookie writes."""
    user = optional_user(request)
    if user is None:
        raise HTTPException(401, "log in or send 'Authorization: Bearer <personal API token>'")
    if user.via == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, user.csrf_token):
            raise CsrfError()
    return user


def login_required(request: Request) -> LoginRequiredError:
    """The redirect to the log-in page, back to this page afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return LoginRequiredError(target)


def page_user(request: Request) -> CurrentUser:
    """The person behind a private page; without a session, off to the log-in page."""
    user = optional_user(request)
    if user is None:
        raise login_required(request)
    return user


OptionalUserDep = Annotated[CurrentUser | None, Depends(optional_user)]
ApiUserDep = Annotated[CurrentUser, Depends(api_user)]
PageUserDep = Annotated[CurrentUser, Depends(page_user)]


def form_csrf_token(request: Request, user: CurrentUser | None) -> str:
    """The token a form on this page must send back: the session's, or the form nonce's."""
    if user is not None:
        return user.csrf_token
    nonce = request.cookies.get(FORM_NONCE_COOKIE) or getattr(request.state, "form_nonce", None)
    if not nonce:
        nonce = secrets.token_urlsafe(24)
        request.state.form_nonce = nonce  # set on the answer by remember_form_nonce
    return csrf_for(request, nonce)


def remember_form_nonce(request: Request, response: Response) -> None:
    """Send the anonymous form nonce made for this page, if one was made."""
    nonce = getattr(request.state, "form_nonce", None)
    if nonce:
        response.set_cookie(
            FORM_NONCE_COOKIE, nonce, httponly=True, samesite="lax", secure=_secure(request)
        )


async def check_form_csrf(request: Request, user: CurrentUser | None) -> None:
    """Refuse a form post whose csrf_token is missing or not this session's (or nonce's)."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, ""))
    if user is not None:
        expected = user.csrf_token
    else:
        nonce = request.cookies.get(FORM_NONCE_COOKIE)
        expected = csrf_for(request, nonce) if nonce else ""
    if not expected or not hmac.compare_digest(sent, expected):
        raise CsrfError()


def start_session(request: Request, response: Response, account: Account) -> None:
    """Sign the person in on this answer (a fresh nonce: a new session, a new CSRF token)."""
    claims = {"u": account.id, "e": account.session_epoch, "n": secrets.token_urlsafe(18)}
    max_age = int(SESSION_LIFETIME.total_seconds())
    secure = _secure(request)
    response.set_cookie(
        SESSION_COOKIE,
        _serializer(request).dumps(claims),
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(SIGNED_IN_COOKIE, "1", max_age=max_age, samesite="lax", secure=secure)
    response.delete_cookie(FORM_NONCE_COOKIE)


def end_session(response: Response) -> None:
    """Sign out on this answer."""
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(SIGNED_IN_COOKIE)


def login_redirect_target(exc: LoginRequiredError) -> str:
    """Where the log-in page sends someone who was stopped at a private page."""
    return "/login?next=" + quote(exc.next_path, safe="/")


def safe_next(value: str | None) -> str:
    """A local path to go to after log-in; anything else (another site, //host) is `/radar`."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/radar"
    return value


def client_address(request: Request) -> str:
    """The peer address the log-in limit counts (uvicorn resolves trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"
