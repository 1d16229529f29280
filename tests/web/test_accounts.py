"""Accounts in the app: sign-up, log-in, log-out, password change, CSRF, the log-in limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import transaction
from app.models import User
from app.web import create_app
from app.web.auth import SESSION_COOKIE
from tests.support.accounts import PASSWORD, form_token, log_in, sign_up


def _app_client(db_url, tmp_path, **settings) -> TestClient:
    return TestClient(create_app(Settings(database_url=db_url, data_dir=tmp_path, **settings)))


def test_sign_up_makes_the_first_person_admin_and_signs_them_in(client, session_factory):
    answer = sign_up(client, "Ada@Example.org")
    assert answer.status_code == 303 and answer.headers["location"] == "/radar"
    cookie = answer.headers.get_list("set-cookie")
    assert any(
        c.startswith(SESSION_COOKIE) and "HttpOnly" in c and "SameSite=lax" in c for c in cookie
    )
    page = client.get("/account")
    assert page.status_code == 200 and "ada@example.org" in page.text and "Admin" in page.text
    other = TestClient(client.app)
    sign_up(other, "bob@example.org")
    assert "Admin" not in other.get("/account").text
    with session_factory() as session:
        rows = {u.email: (u.is_admin, u.password_hash) for u in session.query(User)}
    assert rows["ada@example.org"][0] and not rows["bob@example.org"][0]
    assert (
        rows["ada@example.org"][1].startswith("$argon2id$")
        and PASSWORD not in rows["ada@example.org"][1]
    )


def test_sign_up_refuses_a_taken_address_a_short_password_and_a_mismatch(client):
    sign_up(client, "ada@example.org")
    fresh = TestClient(client.app)
    taken = sign_up(fresh, "ADA@example.org")
    assert taken.status_code == 400 and "already exists" in taken.text
    token = form_token(fresh, "/signup")
    short = fresh.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": "c@example.org",
            "password": "short",
            "password_again": "short",
        },
    )
    assert short.status_code == 400 and "at least 8" in short.text
    differ = fresh.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": "c@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD + "x",
        },
    )
    assert differ.status_code == 400 and "differ" in differ.text
    bad = fresh.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": "not an address",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert bad.status_code == 400 and "not an e-mail address" in bad.text


def test_sign_up_can_be_switched_off(db_url, tmp_path):
    with _app_client(db_url, tmp_path, signup_open=False) as client:
        assert client.get("/signup").status_code == 403
        assert "Create an account" not in client.get("/login").text
        token = form_token(client, "/login")
        posted = client.post(
            "/signup",
            data={
                "csrf_token": token,
                "email": "a@example.org",
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
        )
        assert posted.status_code == 403 and "closed" in posted.text


def test_log_in_log_out_and_the_next_page(client):
    sign_up(client, "ada@example.org")
    client.cookies.clear()
    assert (
        client.get("/account", follow_redirects=False).headers["location"] == "/login?next=/account"
    )
    wrong = log_in(client, "ada@example.org", "wrong password!")
    assert wrong.status_code == 401 and "do not match" in wrong.text
    unknown = log_in(client, "nobody@example.org")
    assert unknown.status_code == 401 and "do not match" in unknown.text
    right = log_in(client, "ADA@example.org", next_path="/account")
    assert right.status_code == 303 and right.headers["location"] == "/account"
    assert client.get("/account").status_code == 200
    token = form_token(client, "/account")
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/account", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_log_in_never_sends_people_to_another_site(client, target):
    sign_up(client, "ada@example.org")
    client.cookies.clear()
    assert log_in(client, "ada@example.org", next_path=target).headers["location"] == "/radar"


def test_a_form_post_without_the_csrf_token_is_refused(client):
    sign_up(client, "ada@example.org")
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/account/tokens", data={"purpose": "api"}).status_code == 403
    stranger = TestClient(client.app)
    refused = stranger.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert refused.status_code == 403
    assert SESSION_COOKIE not in refused.cookies


def test_log_in_is_rate_limited_per_account(client):
    sign_up(client, "ada@example.org")
    client.cookies.clear()
    for _ in range(5):
        assert log_in(client, "ada@example.org", "wrong password!").status_code == 401
    blocked = log_in(client, "ada@example.org")  # even the right password waits now
    assert blocked.status_code == 429 and "too many failed log-ins" in blocked.text.lower()
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60 + 1
    assert SESSION_COOKIE not in blocked.cookies


def test_log_in_is_rate_limited_per_address(client):
    sign_up(client, "ada@example.org")
    client.cookies.clear()
    for n in range(20):
        assert log_in(client, f"guess{n}@example.org", "wrong password!").status_code == 401
    assert log_in(client, "ada@example.org").status_code == 429


def test_changing_the_password_ends_other_sessions(client):
    sign_up(client, "ada@example.org")
    laptop = TestClient(client.app)
    assert log_in(laptop, "ada@example.org").status_code == 303
    token = form_token(client, "/account")
    new = "a much better passphrase"
    refused = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "nope",
            "new_password": new,
            "new_password_again": new,
        },
    )
    assert refused.status_code == 400 and "not right" in refused.text
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": new,
            "new_password_again": new,
        },
    )
    assert "Password changed" in changed.text  # this browser stays signed in
    assert laptop.get("/account", follow_redirects=False).status_code == 303
    laptop.cookies.clear()
    assert log_in(laptop, "ada@example.org").status_code == 401
    assert log_in(laptop, "ada@example.org", new).status_code == 303


def test_log_out_everywhere(client):
    sign_up(client, "ada@example.org")
    laptop = TestClient(client.app)
    log_in(laptop, "ada@example.org")
    token = form_token(client, "/account")
    assert laptop.get("/radar", follow_redirects=False).status_code == 200
    client.post("/account/sessions/end", data={"csrf_token": token})
    assert laptop.get("/account", follow_redirects=False).status_code == 303
    assert laptop.get("/radar", follow_redirects=False).status_code == 303
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_tampered_session_cookie_is_no_session(client):
    sign_up(client, "ada@example.org")
    value = client.cookies.get(SESSION_COOKIE)
    at = len(value) - 10  # inside the signature (a final base64 character may carry spare bits)
    tampered = value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1 :]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, tampered)
    assert client.get("/account", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, value)
    assert client.get("/account", follow_redirects=False).status_code == 200


def test_personal_tokens_are_shown_once_and_revocable(client, session_factory):
    sign_up(client, "ada@example.org")
    token = form_token(client, "/account")
    made = client.post("/account/tokens", data={"csrf_token": token, "purpose": "api"})
    assert "shown only once" in made.text
    with transaction(session_factory) as session:
        user = session.query(User).one()
        assert user.email == "ada@example.org"
    assert "API token, made" in client.get("/account").text
