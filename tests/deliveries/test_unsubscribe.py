"""Unsubscribe links: one hashed secret per person, reused, revocable; and the pages that use it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from lxml import html
from sqlalchemy import delete, select

from app.db import transaction
from app.deliveries.unsubscribe import unsubscribe, unsubscribe_email, unsubscribe_token
from app.models import User, UserToken
from tests.support.users import add_user

NOW = datetime(2024, 11, 28, 9, 30, 15, 123456, tzinfo=UTC)
KEY = "k" * 40


@pytest.fixture
def ada(session_factory) -> int:
    return add_user(session_factory, "ada@example.org", digest_enabled=True)


def _issue(session_factory, user_id: int, key: str = KEY, now: datetime = NOW) -> str:
    with transaction(session_factory) as session:
        return unsubscribe_token(session, user_id, secret_key=key, now=now)


def _digest_enabled(session_factory, user_id: int) -> bool:
    with session_factory() as session:
        return session.get(User, user_id).digest_enabled


def test_one_token_per_person_stored_only_as_its_hash(session_factory, ada):
    bob = add_user(session_factory, "bob@example.org", digest_enabled=True)
    token = _issue(session_factory, ada)
    assert _issue(session_factory, ada) == token
    assert _issue(session_factory, bob) != token
    with session_factory() as session:
        rows = session.execute(select(UserToken.user_id, UserToken.token_hash)).all()
    assert sorted(user for user, _ in rows) == sorted([ada, bob])
    assert (ada, hashlib.sha256(token.encode()).hexdigest()) in rows
    assert all(token not in stored for _, stored in rows)


def test_revoking_or_changing_the_key_gives_a_new_link(session_factory, ada):
    first = _issue(session_factory, ada)
    with transaction(session_factory) as session:
        session.execute(delete(UserToken))
    second = _issue(session_factory, ada, now=NOW + timedelta(microseconds=1))
    assert second != first
    with session_factory() as session:
        assert unsubscribe_email(session, first) is None
        assert unsubscribe_email(session, second) == "ada@example.org"
    third = _issue(session_factory, ada, key="z" * 40)
    assert third != second
    with session_factory() as session:
        assert unsubscribe_email(session, second) is None
        assert session.scalar(select(UserToken.id).where(UserToken.user_id == ada)) is not None


def test_unsubscribe_turns_the_digest_off(session_factory, ada):
    token = _issue(session_factory, ada)
    with transaction(session_factory) as session:
        assert unsubscribe(session, "x" * 43) is False
        assert unsubscribe(session, "../../etc") is False
        assert unsubscribe(session, token, now=NOW) is True
    assert _digest_enabled(session_factory, ada) is False
    with session_factory() as session:
        assert session.scalar(select(UserToken.last_used_at)) == NOW


def test_the_page_asks_then_the_post_unsubscribes(client, session_factory, ada):
    token = _issue(session_factory, ada)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    tree = html.fromstring(page.text)
    (form,) = tree.xpath("//form[@method='post']")
    assert form.get("action") == f"/unsubscribe/{token}"
    assert "ada@example.org" in tree.text_content()
    assert _digest_enabled(session_factory, ada) is True  # looking is not unsubscribing
    done = client.post(form.get("action"))
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert _digest_enabled(session_factory, ada) is False


def test_one_click_post_as_mail_clients_send_it(client, session_factory, ada):
    token = _issue(session_factory, ada)
    answer = client.post(
        f"/unsubscribe/{token}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert _digest_enabled(session_factory, ada) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_link_is_a_404_page(client, session_factory, ada, method):
    answer = getattr(client, method)("/unsubscribe/" + "A" * 43)
    assert answer.status_code == 404
    assert "not valid any more" in answer.text
    assert _digest_enabled(session_factory, ada) is True
