"""Signing people up and in through the real pages, for tests of what belongs to them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client: TestClient, path: str) -> str:
    """The CSRF token of the first form on a page (this client's session or form nonce)."""
    page = client.get(path)
    found = _CSRF.search(page.text)
    assert found, f"no form with a CSRF token on {path}"
    return found.group(1)


def sign_up(client: TestClient, email: str, password: str = PASSWORD):
    """Create an account through /signup; the client is then signed in as it."""
    token = form_token(client, "/signup")
    return client.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": email,
            "password": password,
            "password_again": password,
        },
        follow_redirects=False,
    )


def log_in(client: TestClient, email: str, password: str = PASSWORD, next_path: str = "/radar"):
    """Log in through /login; the client keeps the session cookie."""
    token = form_token(client, "/login")
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password, "next": next_path},
        follow_redirects=False,
    )
