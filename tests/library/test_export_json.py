"""The full JSON export of one person: everything they have, nobody else's, no secrets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from app.accounts.follows import add_follow
from app.db import transaction
from app.library.export_json import user_export
from app.library.store import save_paper, set_feedback
from app.models import Briefing, User, UserToken

NOW = datetime(2024, 11, 28, 9, tzinfo=UTC)
SECRET_HASH = "ab" * 32


def test_export_holds_everything_and_no_secret(session_factory, paper_ids, journal_paper, ada, bob):
    with transaction(session_factory) as session:
        user = session.get(User, ada)
        user.digest_enabled, user.webhook_url = True, "https://hooks.example/radar"
        user.last_digest_on = date(2024, 11, 27)
        add_follow(session, ada, "author", "Zichen Liu", now=NOW)
        add_follow(session, ada, "keyword", "survey", muted=True, now=NOW)
        add_follow(session, bob, "author", "Bob's Author", now=NOW)
        save_paper(session, ada, paper_ids["2411.00001"], tags=["rl"], note="good", now=NOW)
        save_paper(session, ada, journal_paper, now=NOW.replace(hour=10))
        save_paper(session, bob, paper_ids["2411.00002"], now=NOW)
        set_feedback(session, ada, paper_ids["2411.00002"], "not_interested", now=NOW)
        session.add(UserToken(user_id=ada, purpose="api", token_hash=SECRET_HASH, created_at=NOW))
        session.add(
            Briefing(scope="{}", backend="offline", user_id=ada, status="done", created_at=NOW)
        )
        session.add(Briefing(scope="{}", backend="offline", user_id=bob, created_at=NOW))
    with session_factory() as session:
        document = user_export(session, ada)
    text = json.dumps(document)
    assert SECRET_HASH not in text and "not-a-real-hash" not in text
    assert "Bob's Author" not in text and "bob@example.org" not in text
    assert document["account"] == {
        "email": "ada@example.org",
        "admin": False,
        "created_at": "2024-11-01T00:00:00+00:00",
        "deliveries": {
            "digest_enabled": True,
            "webhook_url": "https://hooks.example/radar",
            "hide_seen": False,
            "last_digest_on": "2024-11-27",
            "last_webhook_on": None,
        },
    }
    assert document["follows"] == [
        {"kind": "author", "value": "Zichen Liu", "muted": False},
        {"kind": "keyword", "value": "survey", "muted": True},
    ]
    assert [(e["paper_id"], e["tags"], e["note"]) for e in document["library"]] == [
        ("doi:10.1038/s41567-024-0001-x", [], None),
        ("2411.00001", ["rl"], "good"),
    ]
    assert document["library"][1]["title"] == "Paper 2411.00001"
    assert document["feedback"] == [
        {"paper_id": "2411.00002", "kind": "not_interested", "created_at": NOW.isoformat()}
    ]
    assert document["tokens"] == [
        {"purpose": "api", "created_at": NOW.isoformat(), "last_used_at": None}
    ]
    assert [(b["status"], b["created_at"]) for b in document["briefings"]] == [
        ("done", NOW.isoformat())
    ]


def test_an_empty_account_exports_empty_lists(session_factory, bob):
    with session_factory() as session:
        document = user_export(session, bob)
    assert [document[k] for k in ("follows", "library", "feedback", "tokens", "briefings")] == [
        [],
        [],
        [],
        [],
        [],
    ]
