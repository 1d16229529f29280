"""Sign-up, log-in, log-out, and the account page (password, sessions, personal tokens).

Every form carries a CSRF token (app.web.auth); log-in failures are rate-limited per account and
per address (app.accounts.login_limit). Writes go through the web's write engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.accounts import login_limit, tokens, users
from app.accounts.passwords import PasswordError
from app.web.auth import (
    OptionalUserDep,
    PageUserDep,
    check_form_csrf,
    client_address,
    end_session,
    form_csrf_token,
    remember_form_nonce,
    safe_next,
    start_session,
)
from app.web.templating import render_page

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class CredentialsPage:
    mode: str  # login | signup
    csrf_token: str
    email: str
    next_path: str
    error: str | None
    signup_open: bool


@dataclass(frozen=True)
class AccountPage:
    email: str
    is_admin: bool
    csrf_token: str
    tokens: tuple[tokens.TokenView, ...]
    new_secret: str | None  # shown once, right after it was made
    new_secret_purpose: str | None
    message: str | None
    error: str | None


def _credentials(
    request: Request,
    mode: str,
    *,
    email: str = "",
    next_path: str = "/radar",
    error: str | None = None,
    status: int = 200,
    headers: dict | None = None,
) -> Response:
    page = CredentialsPage(
        mode,
        form_csrf_token(request, None),
        email,
        next_path,
        error,
        request.app.state.settings.signup_open,
    )
    response = render_page("login.html", page, status_code=status, headers=headers)
    remember_form_nonce(request, response)
    return response


@router.get("/login")
def login_form(request: Request, user: OptionalUserDep, next: str | None = None) -> Response:
    """The log-in form; someone already signed in goes straight on."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _credentials(request, "login", next_path=safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password under the rate limit; a success starts a session."""
    await check_form_csrf(request, None)
    form = await request.form()
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    key, address, now = email.lower(), client_address(request), datetime.now(UTC)
    with request.app.state.write_session_factory() as session, session.begin():
        block = login_limit.login_block(session, key, address, now=now)
        account = None if block else users.authenticate(session, email, password)
        if block is None and account is None:
            login_limit.record_failure(session, key, address, now=now)
        elif account is not None:
            login_limit.clear_failures(session, key)
    if block is not None:
        minutes = -(-block.retry_after_seconds // 60)
        return _credentials(
            request,
            "login",
            email=email,
            next_path=next_path,
            status=429,
            error=f"{block.reason.capitalize()}; try again in {minutes} minute(s).",
            headers={"Retry-After": str(block.retry_after_seconds)},
        )
    if account is None:
        return _credentials(
            request,
            "login",
            email=email,
            next_path=next_path,
            status=401,
            error="That e-mail address and password do not match an account.",
        )
    response = RedirectResponse(next_path, status_code=303)
    start_session(request, response, account)
    return response


@router.get("/signup")
def signup_form(request: Request, user: OptionalUserDep) -> Response:
    """The sign-up form, or a page saying sign-up is closed."""
    if user is not None:
        return RedirectResponse("/radar", status_code=303)
    if not request.app.state.settings.signup_open:
        return _closed(request)
    return _credentials(request, "signup")


@router.post("/signup")
async def signup(request: Request) -> Response:
    """Create an account (the first one is an admin) and sign it in."""
    await check_form_csrf(request, None)
    if not request.app.state.settings.signup_open:
        return _closed(request)
    form = await request.form()
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    if password != str(form.get("password_again", "")):
        return _credentials(
            request, "signup", email=email, status=400, error="The two passwords differ."
        )
    try:
        with request.app.state.write_session_factory() as session, session.begin():
            account = users.create_user(session, email, password, now=datetime.now(UTC))
    except (users.AccountError, PasswordError) as error:
        message = str(error)
        return _credentials(
            request, "signup", email=email, status=400, error=message[0].upper() + message[1:] + "."
        )
    response = RedirectResponse("/radar", status_code=303)
    start_session(request, response, account)
    return response


def _closed(request: Request) -> Response:
    return _credentials(
        request,
        "signup",
        status=403,
        error="Sign-up is closed on this instance; ask its admin for an account.",
    )


@router.post("/logout")
async def logout(request: Request, user: OptionalUserDep) -> Response:
    """End this session (a form post with the session's CSRF token)."""
    if user is not None:
        await check_form_csrf(request, user)
    response = RedirectResponse("/", status_code=303)
    end_session(response)
    return response


def _account_page(
    request: Request,
    user,
    *,
    new_secret: str | None = None,
    purpose: str | None = None,
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with request.app.state.session_factory() as session:
        held = tuple(tokens.list_tokens(session, user.id))
    page = AccountPage(
        user.email, user.is_admin, user.csrf_token, held, new_secret, purpose, message, error
    )
    headers = {"Cache-Control": "no-store"}
    return render_page("account.html", page, status_code=status, headers=headers)


@router.get("/account")
def account(request: Request, user: PageUserDep, changed: str | None = None) -> Response:
    """The person's account: password, sessions, personal tokens."""
    message = "Password changed; your other sessions were logged out." if changed else None
    return _account_page(request, user, message=message)


@router.post("/account/password")
async def password(request: Request, user: PageUserDep) -> Response:
    """Change the password; every other session ends, this one is signed again."""
    await check_form_csrf(request, user)
    form = await request.form()
    new = str(form.get("new_password", ""))
    if new != str(form.get("new_password_again", "")):
        return _account_page(request, user, error="The two new passwords differ.", status=400)
    try:
        with request.app.state.write_session_factory() as session, session.begin():
            account = users.change_password(
                session, user.id, str(form.get("current_password", "")), new
            )
    except (users.AccountError, PasswordError) as error:
        return _account_page(request, user, error=f"Not changed: {error}.", status=400)
    response = RedirectResponse("/account?changed=password", status_code=303)
    start_session(request, response, account)
    return response


@router.post("/account/sessions/end")
async def end_sessions(request: Request, user: PageUserDep) -> Response:
    """Log out everywhere, this browser included."""
    await check_form_csrf(request, user)
    with request.app.state.write_session_factory() as session, session.begin():
        users.end_all_sessions(session, user.id)
    response = RedirectResponse("/login", status_code=303)
    end_session(response)
    return response


@router.post("/account/tokens")
async def new_token(request: Request, user: PageUserDep) -> Response:
    """A new personal API token or radar feed URL, shown once on the answer."""
    await check_form_csrf(request, user)
    purpose = str((await request.form()).get("purpose", "api"))
    if purpose not in ("api", "feed"):
        return _account_page(request, user, error="Unknown kind of token.", status=400)
    with request.app.state.write_session_factory() as session, session.begin():
        secret = tokens.issue_token(session, user.id, purpose, now=datetime.now(UTC))
    return _account_page(request, user, new_secret=secret, purpose=purpose)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, user: PageUserDep, token_id: int) -> Response:
    """Revoke one of the person's own tokens (another person's id changes nothing)."""
    await check_form_csrf(request, user)
    with request.app.state.write_session_factory() as session, session.begin():
        gone = sum(
            tokens.revoke_tokens(session, user.id, purpose, token_id) for purpose in ("api", "feed")
        )
    message = "Token revoked." if gone else None
    error = None if gone else "No such token."
    return _account_page(request, user, message=message, error=error, status=200 if gone else 404)
