"""The read-only /sources page: configured sources with health, the catalogue with commands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import update

from app.catalogue import catalogue
from app.config import Settings
from app.db import transaction
from app.ingest.sources import add_source
from app.models import Source
from app.web import create_app

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def client(db_url, tmp_path):
    app = create_app(Settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app) as test_client:
        yield test_client


def test_sources_page_shows_health_and_the_catalogue(client, session_factory):
    with transaction(session_factory) as session:
        nature = add_source(session, "Nature", kind=None, label=None, every_minutes=60, now=NOW)
        session.execute(
            update(Source)
            .where(Source.id == nature.id)
            .values(status="error", failures=3, last_error="<b>HTTP 503</b>", last_polled_at=NOW)
        )
    response = client.get("/sources")
    assert response.status_code == 200
    doc = html.fromstring(response.text)
    [row] = doc.xpath("//table[@class='sources-table']/tbody/tr")
    cells = [" ".join(c.text_content().split()) for c in row]
    assert row[0].text == "Nature"
    assert row[0].xpath("code")[0].text == "https://www.nature.com/nature.rss"
    # The stored error is feed-controlled text: shown escaped, never as markup.
    assert row[0].xpath("span")[0].text == "<b>HTTP 503</b>" and not row.xpath(".//b")
    assert cells[1:] == ["rss", "error", "3", "2026-11-25 09:00 UTC", "—"]
    commands = [c.text_content() for c in doc.xpath("//ul[@class='catalogue-list']/li/code")]
    assert len(commands) == len(catalogue())
    assert 'academichub sources add "Nature Physics"' in commands
    assert "academichub sources add cs.AI" in commands
    added = doc.xpath("//span[@class='catalogue-added']")
    assert len(added) == 1 and "Nature" in added[0].getparent().text_content()
    assert "Admins add and remove sources here" in response.text
    assert "/sources/add" not in response.text  # no forms for anonymous readers


def test_empty_sources_page_and_unknown_parameters(client):
    response = client.get("/sources")
    assert response.status_code == 200 and "academichub sources defaults" in response.text
    assert client.get("/sources?x=1").status_code == 400


def test_private_feed_urls_are_not_shown_in_full(client, session_factory):
    secret = "https://feeds.example.org/private/abc123.rss?token=s3cret"
    with transaction(session_factory) as session:
        source = add_source(session, secret, kind="rss", label="Mine", every_minutes=60, now=NOW)
        session.execute(
            update(Source)
            .where(Source.id == source.id)
            .values(last_error=f"GET {secret}: HTTP 401", failures=1)
        )
    body = client.get("/sources").text
    assert "s3cret" not in body and "abc123" not in body
    assert "https://feeds.example.org/…" in body and "HTTP 401" in body


def test_only_admins_add_and_remove_sources(client, db_url):
    from fastapi.testclient import TestClient

    from tests.support.accounts import form_token, sign_up

    sign_up(client, "admin@example.org")  # the first account is the admin
    reader = TestClient(client.app)
    sign_up(reader, "reader@example.org")
    assert "/sources/add" in client.get("/sources").text
    assert "/sources/add" not in reader.get("/sources").text
    token = form_token(reader, "/settings")
    refused = reader.post("/sources/add", data={"csrf_token": token, "target": "cs.AI"})
    assert refused.status_code == 403
    anonymous = TestClient(client.app).post(
        "/sources/add", data={"target": "cs.AI"}, follow_redirects=False
    )
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert client.post("/sources/add", data={"target": "cs.AI"}).status_code == 403  # no CSRF token
    admin_token = form_token(client, "/sources")
    added = client.post(
        "/sources/add", data={"csrf_token": admin_token, "target": "cs.AI", "every": "30"}
    )
    assert added.status_code == 200 and "Added source" in added.text
    again = client.post("/sources/add", data={"csrf_token": admin_token, "target": "cs.AI"})
    assert again.status_code == 400 and "already source" in again.text
    bad = client.post("/sources/add", data={"csrf_token": admin_token, "target": "cs.XX"})
    assert bad.status_code == 400 and "Not added" in bad.text
    source_id = added.text.split("Added source ")[1].split(",")[0]
    assert (
        reader.post(f"/sources/{source_id}/remove", data={"csrf_token": token}).status_code == 403
    )
    removed = client.post(f"/sources/{source_id}/remove", data={"csrf_token": admin_token})
    assert removed.status_code == 200 and "Removed" in removed.text
    gone = client.post(f"/sources/{source_id}/remove", data={"csrf_token": admin_token})
    assert gone.status_code == 404
