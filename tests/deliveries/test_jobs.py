"""The daily deliveries end to end: a real SMTP server, a real webhook receiver, the real app
for the unsubscribe link, and the ranked radar (app.deliveries.radar_items)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from lxml import html
from sqlalchemy import select

from app.accounts.follows import add_follow
from app.config import Settings
from app.db import transaction
from app.deliveries.jobs import deliver_daily
from app.deliveries.radar_items import radar_digest_items
from app.models import User
from tests.support.smtp_server import free_port
from tests.support.users import add_user
from tests.support.webhook_receiver import Answer
from tests.web.seeding import THU, WED

BASE = "https://radar.example.org"
NOW = datetime(2024, 11, 28, 11, 30, tzinfo=UTC)
FRI = date(2024, 11, 29)
KEY = "s" * 40


def _person(session_factory, email: str, follows: tuple[str, ...], **fields) -> int:
    user_id = add_user(session_factory, email, **fields)
    with transaction(session_factory) as session:
        for name in follows:
            add_follow(session, user_id, "author", name, now=NOW)
    return user_id


def _deliver(session_factory, settings, day, radar=radar_digest_items):
    return deliver_daily(
        session_factory, settings, radar_for=radar, day=day, base_url=BASE, now=NOW
    )


def _user(session_factory, user_id: int) -> User:
    with session_factory() as session:
        return session.get(User, user_id)


@pytest.fixture
def settings_for(db_url, tmp_path):
    def make(server, **extra):
        return server.settings(database_url=db_url, data_dir=tmp_path, secret_key=KEY, **extra)

    return make


def test_digest_arrives_and_its_unsubscribe_link_works(
    session_factory, seeded, smtp_server, settings_for, client
):
    ada = _person(session_factory, "ada@example.org", ("Zichen Liu",), digest_enabled=True)
    _person(session_factory, "off@example.org", ("Zichen Liu",))  # digest off: gets nothing
    settings = settings_for(smtp_server)

    report = _deliver(session_factory, settings, THU)

    assert (report.digests_sent, report.failures) == (1, [])
    (received,) = smtp_server.messages
    assert received.recipients == ["ada@example.org"]
    message = received.message
    text = message.get_body(("plain",)).get_content()
    page = html.fromstring(message.get_body(("html",)).get_content())
    titles = {a.text_content().strip(): a.get("href") for a in page.xpath("//ol/li/a[1]")}
    assert titles == {"Paper 2411.00002": f"{BASE}/papers/2411.00002"}
    assert "Paper 2411.00001" not in text  # Wednesday's paper is not Thursday's digest
    assert "- you follow Zichen Liu" in text and f"{BASE}/papers/2411.00002" in text
    assert _user(session_factory, ada).last_digest_on == THU

    # The same day again: already delivered, nothing sent.
    assert _deliver(session_factory, settings, THU).digests_sent == 0

    footer_link = page.xpath("//a[normalize-space()='Unsubscribe']/@href")[0]
    assert message["List-Unsubscribe"] == f"<{footer_link}>"
    path = urlsplit(footer_link).path
    form = html.fromstring(client.get(path).text).xpath("//form[@method='post']")[0]
    assert client.post(form.get("action")).status_code == 200
    assert _user(session_factory, ada).digest_enabled is False

    assert _deliver(session_factory, settings, FRI).digests_sent == 0
    assert len(smtp_server.messages) == 1


def test_smtp_down_is_recorded_and_the_person_is_not_marked(
    session_factory, seeded, db_url, tmp_path
):
    ada = _person(session_factory, "ada@example.org", ("Zichen Liu",), digest_enabled=True)
    nobody_listens = Settings(
        _env_file=None,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        database_url=db_url,
        data_dir=tmp_path,
        secret_key=KEY,
    )

    report = _deliver(session_factory, nobody_listens, THU)

    (failure,) = report.failures
    assert failure.user_id == ada and failure.channel == "digest"
    assert "could not send mail through 127.0.0.1" in failure.error
    assert _user(session_factory, ada).last_digest_on is None


def test_later_days_are_sent_after_a_failed_one(session_factory, seeded, smtp_server, settings_for):
    ada = _person(
        session_factory,
        "ada@example.org",
        ("Zichen Liu",),
        digest_enabled=True,
        last_digest_on=WED,
    )
    report = _deliver(session_factory, settings_for(smtp_server), THU)
    assert report.digests_sent == 1 and _user(session_factory, ada).last_digest_on == THU


def test_an_empty_day_sends_nothing_and_marks_nothing(
    session_factory, seeded, smtp_server, settings_for
):
    ada = _person(session_factory, "ada@example.org", ("Nobody Here",), digest_enabled=True)
    report = _deliver(session_factory, settings_for(smtp_server), THU)
    assert (report.empty, report.digests_sent, smtp_server.messages) == (1, 0, [])
    assert _user(session_factory, ada).last_digest_on is None


def test_webhooks_one_failing_receiver_does_not_stop_the_others(
    session_factory, seeded, smtp_server, settings_for, webhook_receiver
):
    ada = _person(
        session_factory,
        "ada@example.org",
        ("Zichen Liu",),
        webhook_url=webhook_receiver.url("/ada"),
    )
    bob = _person(
        session_factory,
        "bob@example.org",
        ("Edward Witten",),
        webhook_url=webhook_receiver.url("/bob"),
    )
    settings = settings_for(smtp_server, allow_private_urls=True)
    webhook_receiver.answer = Answer(status=500, body=b"bridge down")

    failed = _deliver(session_factory, settings, THU)

    assert failed.webhooks_sent == 0
    assert [(f.user_id, f.channel) for f in failed.failures] == [(ada, "webhook"), (bob, "webhook")]
    assert "answered HTTP 500: bridge down" in failed.failures[0].error
    assert _user(session_factory, ada).last_webhook_on is None

    webhook_receiver.answer = Answer(status=200)
    report = _deliver(session_factory, settings, THU)

    assert (report.webhooks_sent, report.failures) == (2, [])
    posts = {post.path: post.json() for post in webhook_receiver.received()[2:]}
    assert posts["/ada"]["user"] == "ada@example.org" and posts["/ada"]["day"] == "2024-11-28"
    assert [item["id"] for item in posts["/ada"]["items"]] == ["2411.00002"]
    assert posts["/bob"]["items"][0]["reasons"] == ["you follow Edward Witten"]
    assert _user(session_factory, bob).last_webhook_on == THU
    assert smtp_server.messages == []  # nobody asked for e-mail


def test_a_loopback_webhook_is_refused_without_the_admin_setting(
    session_factory, seeded, smtp_server, settings_for, webhook_receiver
):
    ada = _person(
        session_factory, "ada@example.org", ("Zichen Liu",), webhook_url=webhook_receiver.url()
    )
    report = _deliver(session_factory, settings_for(smtp_server), THU)
    assert "a loopback address" in report.failures[0].error
    assert webhook_receiver.received() == []
    assert _user(session_factory, ada).last_webhook_on is None


def test_a_failing_radar_for_one_person_does_not_stop_the_others(
    session_factory, seeded, smtp_server, settings_for
):
    ada = _person(session_factory, "ada@example.org", ("Zichen Liu",), digest_enabled=True)
    bob = _person(session_factory, "bob@example.org", ("Edward Witten",), digest_enabled=True)

    def radar(session, user_id, day):
        if user_id == ada:
            raise RuntimeError("model file is corrupt")
        return radar_digest_items(session, user_id, day)

    report = _deliver(session_factory, settings_for(smtp_server), THU, radar=radar)

    assert [(f.user_id, f.channel, f.error) for f in report.failures] == [
        (ada, "radar", "model file is corrupt")
    ]
    assert [m.recipients for m in smtp_server.messages] == [["bob@example.org"]]
    with session_factory() as session:
        marked = dict(session.execute(select(User.id, User.last_digest_on)).all())
    assert marked == {ada: None, bob: THU}
