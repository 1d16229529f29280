"""The radar, library and follows pages, the confirm pages behind Follow and Save links, and
the personal Atom feed: private to their owner, every form guarded by its CSRF token."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from lxml import etree, html

from tests.support.accounts import form_token, sign_up

PRIVATE_PAGES = ("/radar", "/library", "/settings", "/account")


@pytest.fixture
def ada(client, seeded) -> TestClient:
    sign_up(client, "ada@example.org")
    return client


@pytest.fixture
def bob(client, seeded) -> TestClient:
    other = TestClient(client.app)
    sign_up(other, "bob@example.org")
    return other


def _post(person: TestClient, path: str, page: str, **fields):
    return person.post(path, data={"csrf_token": form_token(person, page), **fields})


@pytest.mark.parametrize("path", PRIVATE_PAGES)
def test_private_pages_send_strangers_to_log_in(client, seeded, path):
    answer = TestClient(client.app).get(path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/login?next={path}"


def test_follow_by_link_then_the_radar_shows_why(ada, bob):
    confirm = ada.get("/follow?kind=author&value=Edward%20Witten")
    assert "Follow this author?" in confirm.text
    followed = _post(
        ada, "/follow", "/follow?kind=author&value=x", kind="author", value="Edward Witten"
    )
    assert "Now following Edward Witten" in followed.text
    radar = html.fromstring(ada.get("/radar?day=2024-11-28").text)
    assert radar.xpath("//article/@data-paper-id") == ["hep-th/9901001"]
    assert radar.xpath("//ul[@class='reasons']/li/text()") == ["you follow Edward Witten"]
    assert ada.get("/radar").headers["cache-control"] == "private, no-store"
    assert html.fromstring(bob.get("/radar?day=2024-11-28").text).xpath("//article") == []
    assert "Edward Witten" not in bob.get("/settings").text


def test_a_follow_form_without_its_token_changes_nothing(ada):
    assert ada.post("/follow", data={"kind": "author", "value": "Edward Witten"}).status_code == 403
    assert ada.post("/settings/follows", data={"kind": "keyword", "value": "x"}).status_code == 403
    assert "Edward Witten" not in ada.get("/settings").text


def test_settings_add_mute_and_remove(ada, bob):
    added = _post(ada, "/settings/follows", "/settings", kind="keyword", value="broken formula")
    assert "Following broken formula" in added.text
    muted = _post(ada, "/settings/follows", "/settings", kind="category", value="hep-th", muted="1")
    assert "Muted hep-th" in muted.text
    assert html.fromstring(ada.get("/radar?day=2024-11-28").text).xpath("//article") == []
    rule_id = re.search(r"/settings/follows/(\d+)/remove", ada.get("/settings").text).group(1)
    assert _post(bob, f"/settings/follows/{rule_id}/remove", "/settings").status_code == 404
    assert _post(ada, f"/settings/follows/{rule_id}/remove", "/settings").status_code == 200
    bad = _post(ada, "/settings/follows", "/settings", kind="planet", value="Mars")
    assert bad.status_code == 400 and "Not added" in bad.text


def test_save_by_link_tag_note_and_library_filters(ada, bob):
    assert "Save this paper" in ada.get("/library/save?paper=hep-th/9901001").text
    saved = _post(
        ada, "/library/save", "/library/save?paper=hep-th/9901001", paper="hep-th/9901001"
    )
    assert saved.status_code == 200
    _post(ada, "/library/save", "/library", paper="2411.00001")
    _post(
        ada,
        "/library/edit",
        "/library",
        paper="hep-th/9901001",
        tags="strings, to read",
        note="Chapter 3",
    )
    page = html.fromstring(ada.get("/library").text)
    assert page.xpath("//article/@data-paper-id") == ["2411.00001", "hep-th/9901001"]
    assert "Chapter 3" in ada.get("/library").text
    assert html.fromstring(ada.get("/library?tag=strings").text).xpath(
        "//article/@data-paper-id"
    ) == ["hep-th/9901001"]
    assert html.fromstring(ada.get("/library?author=Zichen%20Liu").text).xpath(
        "//article/@data-paper-id"
    ) == ["2411.00001"]
    assert html.fromstring(ada.get("/library?q=formula").text).xpath(
        "//article/@data-paper-id"
    ) == ["hep-th/9901001"]
    assert ada.get("/library?colour=red").status_code == 400
    assert html.fromstring(bob.get("/library").text).xpath("//article") == []
    assert "Nothing saved yet" in bob.get("/library").text
    assert ada.get("/library/save?paper=0000.00000").status_code == 404


def test_not_interested_hides_a_paper_from_the_radar(ada):
    _post(ada, "/settings/follows", "/settings", kind="author", value="Zichen Liu")
    before = html.fromstring(ada.get("/radar?day=2024-11-28").text).xpath(
        "//article/@data-paper-id"
    )
    assert "2411.00002" in before
    _post(ada, "/radar/feedback", "/radar", paper="2411.00002", kind="not_interested")
    after = html.fromstring(ada.get("/radar?day=2024-11-28").text).xpath("//article/@data-paper-id")
    assert "2411.00002" not in after


def test_the_radar_feed_lives_under_a_revocable_secret(ada, bob):
    _post(ada, "/settings/follows", "/settings", kind="author", value="Edward Witten")
    made = _post(ada, "/account/tokens", "/account", purpose="feed")
    url = re.search(r"(/feeds/radar/ahf_[A-Za-z0-9_-]+)", made.text).group(1)
    anonymous = TestClient(ada.app)
    feed = anonymous.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith(
        "application/atom+xml"
    )
    root = etree.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.xpath("//a:entry/a:title/text()", namespaces=ns)[0].startswith("Strings on")
    assert "you follow Edward Witten" in root.xpath("string(//a:entry/a:summary)", namespaces=ns)
    _post(ada, "/account/tokens", "/account", purpose="feed")  # a new URL revokes the old one
    assert anonymous.get(url).status_code == 404
    assert anonymous.get("/feeds/radar/ahf_guess").status_code == 404


def test_deliveries_refuse_a_private_webhook(ada):
    refused = _post(
        ada, "/settings/deliveries", "/settings", webhook_url="http://127.0.0.1:8080/hook"
    )
    assert refused.status_code == 400 and "Webhook not saved" in refused.text
    ok = _post(ada, "/settings/deliveries", "/settings", digest_enabled="1", hide_seen="1")
    assert "Deliveries saved" in ok.text
    page = html.fromstring(ada.get("/settings").text)
    assert page.xpath("//input[@name='digest_enabled']/@checked")


def test_any_view_exports_as_bibtex_and_ris(client, seeded):
    import bibtexparser
    import rispy

    page = html.fromstring(client.get("/?category=cs.AI").text)
    href = page.xpath("//a[text()='BibTeX']/@href")[0]
    assert href == "/export/papers.bib?category=cs.AI"
    entries = bibtexparser.parse_string(client.get(href).text).entries
    assert sorted(e.fields_dict["eprint"].value for e in entries) == ["2411.00001", "2411.00002"]
    ris_href = page.xpath("//a[text()='RIS']/@href")[0]
    records = rispy.loads(client.get(ris_href).text)
    assert len(records) == 2
    latest = bibtexparser.parse_string(client.get("/export/papers.bib").text).entries
    assert len(latest) == 2  # no filter: the latest day, as the page shows it
    assert client.get("/export/papers.bib?colour=red").status_code == 400


def test_the_radar_pages_fifty_at_a_time_and_refuses_bad_pages(ada):
    _post(ada, "/settings/follows", "/settings", kind="author", value="Zichen Liu")
    first = html.fromstring(ada.get("/radar?since=2024-11-27&until=2024-11-28").text)
    assert set(first.xpath("//article/@data-paper-id")) == {"2411.00001", "2411.00002"}
    assert first.xpath("//nav[@class='pager']") == []  # 2 papers: one page
    assert ada.get("/radar?page=2").status_code == 200
    assert ada.get("/radar?page=3").status_code == 400
    assert ada.get("/radar?page=x").status_code == 400
    assert ada.get("/radar?since=2024-11-28&until=2024-11-01").status_code == 400


def test_a_range_with_one_end_is_resolved_by_the_ranking(ada):
    _post(ada, "/settings/follows", "/settings", kind="author", value="Zichen Liu")
    to_latest = html.fromstring(ada.get("/radar?since=2024-11-27").text)
    assert set(to_latest.xpath("//article/@data-paper-id")) == {"2411.00001", "2411.00002"}
    assert "27 Nov – 28 Nov 2024" in to_latest.xpath("string(//h1)")
    one_day = ada.get("/api/me/radar?until=2024-11-27").json()["items"]
    assert [item["id"] for item in one_day] == ["2411.00001"]
    too_long = ada.get("/api/me/radar?since=2024-01-01&until=2024-11-28")
    assert too_long.status_code == 400 and "31 days" in too_long.json()["detail"]
