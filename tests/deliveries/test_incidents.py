"""Admins are told once per incident when a source keeps failing: the real poller (through the
app's wiring in app.services) polls a loopback feed, the real SMTP server receives the notice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.db import transaction
from app.deliveries.incidents import FAILURES_FOR_INCIDENT, notify_admins
from app.ingest.sources import add_source
from app.models import SourceIncident
from app.services import Services
from tests.support.loopback import Response
from tests.support.smtp_server import free_port
from tests.support.users import add_user

ERROR_FEED = "feeds/arxiv-rss/rss-error-bad-archive-2024-11-28.xml"
GOOD_FEED = "feeds/arxiv-rss/rss-cs.AI-2026-04-27-trimmed-3-items.xml"
NOW = datetime(2024, 11, 28, 9, tzinfo=UTC)


@pytest.fixture
def services(db_url, tmp_path, smtp_server):
    services = Services(smtp_server.settings(database_url=db_url, data_dir=tmp_path))
    yield services
    services.close()


@pytest.fixture
def admins(session_factory):
    add_user(session_factory, "root@example.org", admin=True)
    add_user(session_factory, "second-admin@example.org", admin=True)
    add_user(session_factory, "reader@example.org")  # not an admin: never told


def _source(session_factory, url: str) -> int:
    with transaction(session_factory) as session:
        return add_source(
            session, url, kind="arxiv", label="Broken feed", every_minutes=60, now=NOW
        ).id


def _poll(services, source_id: int, times: int = 1) -> None:
    for _ in range(times):
        services.poller.poll_source(source_id)


def _incidents(session_factory) -> list[SourceIncident]:
    with session_factory() as session:
        return list(session.scalars(select(SourceIncident).order_by(SourceIncident.id)))


def test_three_failures_tell_each_admin_once_with_the_error(
    services, admins, session_factory, loopback_server, fixture_bytes, smtp_server
):
    url = loopback_server.add("/rss/astroph", fixture_bytes(ERROR_FEED), status=400)
    source_id = _source(session_factory, url)

    _poll(services, source_id, FAILURES_FOR_INCIDENT - 1)
    assert _incidents(session_factory) == []
    assert notify_admins(session_factory, services.settings, now=NOW).notified == []

    _poll(services, source_id)
    report = notify_admins(session_factory, services.settings, now=NOW)

    (incident,) = _incidents(session_factory)
    assert report.notified == [incident.id] and incident.notified_at == NOW
    assert sorted(m.recipients[0] for m in smtp_server.messages) == [
        "root@example.org",
        "second-admin@example.org",
    ]
    body = smtp_server.messages[0].message.get_content()
    assert "Broken feed" in smtp_server.messages[0].message["Subject"]
    assert incident.error and incident.error in body and "astroph" in body
    assert url in body

    _poll(services, source_id)  # a 4th failure: the same incident, no second notice
    assert notify_admins(session_factory, services.settings, now=NOW).notified == []
    assert len(_incidents(session_factory)) == 1 and len(smtp_server.messages) == 2


def test_success_closes_the_incident_and_new_failures_open_a_new_one(
    services, admins, session_factory, loopback_server, fixture_bytes, smtp_server
):
    failing = Response(status=400, body=fixture_bytes(ERROR_FEED))
    working = Response(body=fixture_bytes(GOOD_FEED))
    url = loopback_server.add_sequence("/feed", [failing] * 3 + [working] + [failing] * 3)
    source_id = _source(session_factory, url)

    _poll(services, source_id, 3)
    notify_admins(session_factory, services.settings, now=NOW)
    _poll(services, source_id)  # works again
    first = _incidents(session_factory)[0]
    assert first.resolved_at is not None

    _poll(services, source_id, 3)
    notify_admins(session_factory, services.settings, now=NOW)

    first, second = _incidents(session_factory)
    assert second.resolved_at is None and second.notified_at == NOW
    assert len(smtp_server.messages) == 4  # two admins, two incidents


def test_when_nobody_can_be_reached_the_incident_waits_for_the_next_run(
    db_url, tmp_path, admins, session_factory, loopback_server, fixture_bytes, smtp_server
):
    down = Services(
        smtp_server.settings(database_url=db_url, data_dir=tmp_path, smtp_port=free_port())
    )
    try:
        url = loopback_server.add("/rss/astroph", fixture_bytes(ERROR_FEED), status=400)
        source_id = _source(session_factory, url)
        _poll(down, source_id, 3)
        report = notify_admins(session_factory, down.settings, now=NOW)
        assert report.notified == [] and len(report.failures) == 2
        assert "could not send mail" in report.failures[0]
        assert _incidents(session_factory)[0].notified_at is None
    finally:
        down.close()
    later = notify_admins(session_factory, smtp_server.settings(database_url=db_url), now=NOW)
    assert len(later.notified) == 1 and len(smtp_server.messages) == 2


def test_an_admin_webhook_gets_the_incident_too(
    services, session_factory, loopback_server, fixture_bytes, webhook_receiver, smtp_server
):
    add_user(session_factory, "root@example.org", admin=True, webhook_url=webhook_receiver.url())
    url = loopback_server.add("/rss/astroph", fixture_bytes(ERROR_FEED), status=400)
    source_id = _source(session_factory, url)
    _poll(services, source_id, 3)
    settings = services.settings.model_copy(update={"allow_private_urls": True})

    report = notify_admins(session_factory, settings, now=NOW)

    assert report.sent == 2
    (posted,) = webhook_receiver.received()
    payload = posted.json()
    assert payload["event"] == "source_incident" and payload["source"]["id"] == source_id
    assert payload["failures"] == 3 and "astroph" in payload["error"]
