"""The accounts store: e-mail rules, the first admin, tokens by hash, the log-in window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.accounts import login_limit, tokens, users
from app.accounts.passwords import PasswordError
from app.db import transaction
from app.models import UserToken

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_emails_are_normalised_and_checked():
    assert users.normalise_email("  Ada@Example.ORG ") == "ada@example.org"
    for bad in ("", "ada", "ada@example", "a b@example.org", "a@b@example.org"):
        with pytest.raises(users.AccountError):
            users.normalise_email(bad)


def test_only_the_first_account_is_admin_unless_asked(session_factory):
    with transaction(session_factory) as session:
        first = users.create_user(session, "a@example.org", "long enough", now=NOW)
        second = users.create_user(session, "b@example.org", "long enough", now=NOW)
        third = users.create_user(session, "c@example.org", "long enough", now=NOW, admin=True)
    assert (first.is_admin, second.is_admin, third.is_admin) == (True, False, True)
    with pytest.raises(PasswordError), transaction(session_factory) as session:
        users.create_user(session, "d@example.org", " " * 10, now=NOW)


def test_authenticate_needs_the_right_password(session_factory):
    with transaction(session_factory) as session:
        users.create_user(session, "a@example.org", "long enough", now=NOW)
    with transaction(session_factory) as session:
        assert users.authenticate(session, "A@example.org", "long enough").email == "a@example.org"
        assert users.authenticate(session, "a@example.org", "long enougH") is None
        assert users.authenticate(session, "zz@example.org", "long enough") is None
        assert users.authenticate(session, "not an address", "long enough") is None


def test_tokens_are_stored_as_hashes_and_found_by_purpose(session_factory):
    with transaction(session_factory) as session:
        account = users.create_user(session, "a@example.org", "long enough", now=NOW)
        api = tokens.issue_token(session, account.id, "api", now=NOW)
        feed = tokens.issue_token(session, account.id, "feed", now=NOW)
        newer_feed = tokens.issue_token(session, account.id, "feed", now=NOW)
    with session_factory() as session:
        stored = {t.token_hash for t in session.query(UserToken)}
        assert api not in stored and tokens.hash_token(api) in stored
        assert tokens.token_owner(session, api, "api").user_id == account.id
        assert tokens.token_owner(session, api, "feed") is None  # a token serves one purpose
        assert tokens.token_owner(session, feed, "feed") is None  # replaced by the newer one
        assert tokens.token_owner(session, newer_feed, "feed") is not None
        assert tokens.token_owner(session, api[:-1] + "x", "api") is None


def test_token_use_is_stamped_at_most_hourly(session_factory):
    with transaction(session_factory) as session:
        account = users.create_user(session, "a@example.org", "long enough", now=NOW)
        tokens.issue_token(session, account.id, "api", now=NOW)
    with transaction(session_factory) as session:
        token_id = session.query(UserToken).one().id
        assert tokens.mark_token_used(session, token_id, now=NOW)
        assert not tokens.mark_token_used(session, token_id, now=NOW + timedelta(minutes=30))
        assert tokens.mark_token_used(session, token_id, now=NOW + timedelta(minutes=61))


def test_failed_log_ins_block_then_expire(session_factory):
    with transaction(session_factory) as session:
        for minute in range(login_limit.MAX_FAILURES_PER_ACCOUNT):
            at = NOW + timedelta(minutes=minute)
            login_limit.record_failure(session, "a@example.org", "10.0.0.1", now=at)
    later = NOW + timedelta(minutes=5)
    with transaction(session_factory) as session:
        block = login_limit.login_block(session, "a@example.org", "10.0.0.2", now=later)
        assert block is not None and "this account" in block.reason
        assert block.retry_after_seconds == 10 * 60 + 1  # the oldest failure leaves the window
        assert login_limit.login_block(session, "b@example.org", "10.0.0.1", now=later) is None
        after = NOW + login_limit.WINDOW + timedelta(seconds=1)
        assert login_limit.login_block(session, "a@example.org", "10.0.0.2", now=after) is None
