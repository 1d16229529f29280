"""Briefing pages and API on SQLite and PostgreSQL: DESIGN's shapes, requests queued and
rate-limited, Markdown rendered with raw HTML off and citations linked, the download."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.briefings.requests import PER_VISITOR
from app.briefings.scope import BriefingScope
from app.briefings.worker import Briefer, brief_now
from app.config import Settings
from app.web import create_app
from tests.briefings.papers import injected_record, pick

NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)


@pytest.fixture
def client(db_url, tmp_path):
    settings = Settings(database_url=db_url, data_dir=tmp_path, secret_key="k" * 40)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def done_id(seeder, session_factory) -> int:
    seeder.store([*pick({"cs": 12, "q-bio": 8}), injected_record()])
    briefer = Briefer(session_factory, Settings(), clock=lambda: NOW)
    return brief_now(briefer, BriefingScope(), "offline", "cli")


def test_api_record_and_list_have_designs_shape(client, done_id):
    record = client.get(f"/api/briefings/{done_id}").json()
    assert record["status"] == "done" and record["backend"] == "offline"
    first = record["references"][0]
    assert set(first) == {"n", "paper_id", "title", "authors", "source_label", "url"}
    assert first["n"] == 1 and first["source_label"].startswith("arXiv")
    for key in ("prompt_tokens", "completion_tokens", "cost_usd", "created_at", "error", "model"):
        assert key in record
    listing = client.get("/api/briefings").json()
    assert listing["total"] == 1 and listing["next"] is None
    assert listing["items"][0]["id"] == done_id
    assert client.get("/api/briefings/999999").status_code == 404
    assert client.get("/api/briefings?page=x").status_code == 400


def test_post_queues_an_offline_briefing_that_a_worker_then_writes(client, seeder, session_factory):
    seeder.store(pick({"cs": 6, "math": 6}))
    answer = client.post("/api/briefings", json={"categories": ["math.CO"]})
    assert answer.status_code == 202
    job = answer.json()
    assert job["status"] == "queued" and set(job) == {"id", "status"}
    assert client.get(f"/api/briefings/{job['id']}").json()["status"] == "queued"
    Briefer(session_factory, Settings(), clock=lambda: NOW).run_pending()
    record = client.get(f"/api/briefings/{job['id']}").json()
    assert record["status"] == "done" and record["scope"]["categories"] == ["math.CO"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"backend": "llm"}, 403),
        ({"colour": "red"}, 400),
        ({"day": "yesterday"}, 400),
        ({"sources": ["x"]}, 400),
        ([1, 2], 400),
    ],
)
def test_post_refuses_what_it_cannot_take(client, body, status):
    assert client.post("/api/briefings", json=body).status_code == status


def test_requests_are_rate_limited_per_visitor(client):
    for _ in range(PER_VISITOR):
        assert client.post("/api/briefings", json={}).status_code == 202
    refused = client.post("/api/briefings", json={})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert client.post("/briefings", data={}).status_code == 429  # the form shares the limit


def test_briefing_page_links_every_citation_and_lists_references(client, done_id):
    page = client.get(f"/briefings/{done_id}")
    assert page.status_code == 200
    html = page.text
    record = client.get(f"/api/briefings/{done_id}").json()
    count = len(record["references"])
    linked = set(re.findall(r'<a class="citation" href="#ref-(\d+)"', html))
    assert linked == {str(n) for n in range(1, count + 1)}
    for ref in record["references"]:
        assert (
            f'<li id="ref-{ref["n"]}" value="{ref["n"]}"><a href="/papers/{ref["paper_id"]}">'
            in html
        )
    assert "<script>" not in html.split("</head>")[1]
    assert "[99]" not in html and "Ignore previous" not in html
    assert "content-security-policy" in page.headers


def test_markdown_is_rendered_with_raw_html_and_links_off(client, seeder, session_factory):
    hostile = pick({"cs": 1})[0].model_copy(
        update={
            "arxiv_id": "2411.77777",
            "title": "A <script>alert(1)</script> title with [a link](https://evil.example)",
            "abstract": "We measure <img src=x onerror=alert(1)> results on graph data sets "
            "and report [click](javascript:alert(1)) findings for molecules.",
        }
    )
    seeder.store([hostile, *pick({"cs": 2})])
    briefer = Briefer(session_factory, Settings(), clock=lambda: NOW)
    briefing_id = brief_now(briefer, BriefingScope(), "offline", "cli")
    html = client.get(f"/briefings/{briefing_id}").text
    body = html.split('<div class="briefing-body">')[1].split("</div>")[0]
    assert "<script" not in body and "<img" not in body
    assert "evil.example" not in re.findall(r'href="([^"]*)"', body)
    assert all(h.startswith("#ref-") for h in re.findall(r'href="([^"]*)"', body))


def test_markdown_download_carries_the_references(client, done_id):
    answer = client.get(f"/briefings/{done_id}.md")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/markdown")
    assert "attachment" in answer.headers["content-disposition"]
    assert "## References" in answer.text and "\n1. " in answer.text
    assert client.get("/briefings/424242.md").status_code == 404


def test_list_page_and_the_brief_this_view_button(client, seeder, done_id):
    listing = client.get("/briefings")
    assert listing.status_code == 200 and f'href="/briefings/{done_id}"' in listing.text
    daily = client.get("/?category=cs.LG").text
    form = daily.split('<form class="brief-form"')[1].split("</form>")[0]
    assert 'action="/briefings" method="post"' in form
    assert '<input type="hidden" name="category" value="cs.LG">' in form
    posted = client.post("/briefings", data={"category": "cs.LG"}, follow_redirects=False)
    assert posted.status_code == 303
    queued = client.get(posted.headers["location"])
    assert "queued" in queued.text.lower() and 'http-equiv="refresh"' in queued.text
    latest = client.get("/").text.split('<form class="brief-form"')[1].split("</form>")[0]
    assert '<input type="hidden" name="day" value="2024-11-28">' in latest
