"""The follow-based radar the deliveries use until the learned one is wired in, and the
scheduler job that sends it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.accounts.follows import add_follow
from app.db import transaction
from app.deliveries.followed import followed_papers_of_day
from app.scheduler import build_scheduler, deliver_radars
from app.services import Services
from tests.support.users import add_user
from tests.web.seeding import THU, WED

NOW = datetime(2024, 11, 28, 9, tzinfo=UTC)


def _rules(session_factory, user_id: int, rules: list[tuple[str, str, bool]]) -> None:
    with transaction(session_factory) as session:
        for kind, value, muted in rules:
            add_follow(session, user_id, kind, value, muted=muted, now=NOW)


def _radar(session_factory, user_id: int, day):
    with session_factory() as session:
        return [(i.public_id, i.reasons) for i in followed_papers_of_day(session, user_id, day)]


@pytest.fixture
def ada(session_factory, seeded):
    user_id = add_user(session_factory, "ada@example.org", digest_enabled=True)
    _rules(
        session_factory,
        user_id,
        [
            ("author", "zichen LIU", False),
            ("category", "hep-th", False),
            ("keyword", "BROKEN", False),
            ("source", str(seeded["lg"]), False),
        ],
    )
    return user_id


def test_each_kind_of_follow_matches_with_its_reason(session_factory, ada):
    assert _radar(session_factory, ada, THU) == [
        ("2411.00002", ("you follow zichen LIU", "listed by arXiv cs.LG")),
        ("hep-th/9901001", ("in hep-th, which you follow", "matches 'BROKEN' in the title")),
    ]
    assert _radar(session_factory, ada, WED) == [("2411.00001", ("you follow zichen LIU",))]


def test_mutes_hide_papers(session_factory, ada):
    _rules(session_factory, ada, [("author", "Zichen Li", True), ("keyword", "strings", True)])
    assert _radar(session_factory, ada, THU) == []
    assert _radar(session_factory, ada, WED) == [("2411.00001", ("you follow zichen LIU",))]


def test_no_follows_no_radar(session_factory, seeded):
    assert _radar(session_factory, add_user(session_factory, "new@example.org"), THU) == []


def test_the_scheduled_job_sends_the_latest_days_radar(db_url, tmp_path, ada, smtp_server):
    settings = smtp_server.settings(
        database_url=db_url, data_dir=tmp_path, public_url="https://radar.example.org/"
    )
    services = Services(settings)
    try:
        report = deliver_radars(services)
        scheduler = build_scheduler(services)
        assert str(scheduler.get_job("deliveries").trigger) == "cron[hour='11', minute='30']"
        assert scheduler.get_job("incidents") is not None
    finally:
        services.close()
    assert report.day == THU and report.digests_sent == 1
    text = smtp_server.messages[0].message.get_body(("plain",)).get_content()
    assert "https://radar.example.org/papers/hep-th/9901001" in text
    assert "https://radar.example.org/unsubscribe/" in text
