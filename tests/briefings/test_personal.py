"""Personal briefings: the briefer over one person's radar of a day, private to that person —
in the store, on the pages and in the API (nobody else can tell one from a missing briefing)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from app.briefings import store
from app.briefings.requests import RateLimitedError, request_personal
from app.briefings.worker import Briefer
from app.config import Settings
from app.db import transaction
from app.models import Follow, User
from app.text import author_match_key
from app.web import create_app
from tests.briefings.papers import pick
from tests.support.accounts import sign_up

NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)


def _person(session_factory, email: str, follows_author: str | None) -> int:
    with transaction(session_factory) as session:
        user = User(email=email, password_hash="x", created_at=NOW)
        session.add(user)
        session.flush()
        if follows_author:
            session.add(
                Follow(
                    user_id=user.id,
                    kind="author",
                    value=follows_author,
                    match_key=author_match_key(follows_author),
                    created_at=NOW,
                )
            )
        return user.id


def _seed(seeder) -> list:
    records = pick({"cs": 20, "math": 14})
    seeder.store(records)
    return records


def test_a_personal_briefing_covers_the_persons_radar_and_stays_private(seeder, session_factory):
    records = _seed(seeder)
    author = records[3].authors[0].name
    ada = _person(session_factory, "ada@example.org", author)
    bob = _person(session_factory, "bob@example.org", None)
    with transaction(session_factory) as session:
        briefing_id = request_personal(session, ada, None, "offline", NOW)
    Briefer(session_factory, Settings(), clock=lambda: NOW).run_pending()
    with session_factory() as session:
        mine = store.get_briefing(session, briefing_id, ada)
        assert mine is not None and mine.status == "done", mine
        assert mine.scope["radar"] is True
        cited = {ref.paper_id for ref in mine.references}
        assert records[3].arxiv_id in cited
        by_author = {r.arxiv_id for r in records if author in [a.name for a in r.authors]}
        assert cited <= by_author  # only papers of the radar, which holds only the followed ones
        assert store.get_briefing(session, briefing_id, bob) is None
        assert store.get_briefing(session, briefing_id, None) is None
        public, total = store.list_briefings(session, 1, 20)
        assert briefing_id not in [b.id for b in public] and total == 0
        own, _ = store.list_briefings(session, 1, 20, owner_id=ada)
        assert [b.id for b in own] == [briefing_id]
        assert store.list_briefings(session, 1, 20, owner_id=bob)[0] == []


def test_personal_briefing_requests_are_limited_per_day(session_factory):
    ada = _person(session_factory, "ada@example.org", None)
    with transaction(session_factory) as session:
        for _ in range(12):
            request_personal(session, ada, None, "offline", NOW)
    try:
        with transaction(session_factory) as session:
            request_personal(session, ada, None, "offline", NOW)
    except RateLimitedError as error:
        assert "12 personal briefings a day" in str(error)
    else:
        raise AssertionError("the 13th request of the day was queued")


def test_personal_briefings_on_the_web_answer_only_their_owner(
    seeder, session_factory, db_url, tmp_path
):
    _seed(seeder)
    with TestClient(create_app(Settings(database_url=db_url, data_dir=tmp_path))) as ada:
        sign_up(ada, "ada@example.org")
        csrf = {"X-CSRF-Token": ada.get("/api/me").json()["csrf_token"]}
        queued = ada.post("/api/me/briefings", json={}, headers=csrf)
        assert queued.status_code == 202
        briefing_id = queued.json()["id"]
        assert ada.get(f"/api/briefings/{briefing_id}").status_code == 200
        assert ada.get(f"/briefings/{briefing_id}").status_code == 200
        assert [b["id"] for b in ada.get("/api/me/briefings").json()["items"]] == [briefing_id]
        bob = TestClient(ada.app)
        sign_up(bob, "bob@example.org")
        for client in (bob, TestClient(ada.app)):
            assert client.get(f"/api/briefings/{briefing_id}").status_code == 404
            assert client.get(f"/briefings/{briefing_id}").status_code == 404
            assert client.get(f"/briefings/{briefing_id}.md").status_code == 404
            assert briefing_id not in [
                b["id"] for b in client.get("/api/briefings").json()["items"]
            ]
        assert bob.get("/api/me/briefings").json()["items"] == []
        assert ada.post("/api/me/briefings", json={}).status_code == 403  # cookie without CSRF
