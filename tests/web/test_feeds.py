"""Atom feeds of any view, parsed back with feedparser."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import pytest
from lxml import etree

from app.db import transaction
from app.web.feeds import ATOM_NS as ATOM
from app.web.feeds import FeedContext, FeedEntry, build_atom
from tests.web.seeding import THU, add_source, record, store
from tests.web.test_pages import HOSTILE


def parse(response) -> feedparser.FeedParserDict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_default_feed_is_the_latest_day(client, seeded):
    feed = parse(client.get("/feeds/atom"))
    assert feed.feed.title == "AcademicHub · Curated Daily"
    assert feed.feed.updated == "2024-11-28T00:00:00Z"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == "http://testserver/feeds/atom"
    assert links["alternate"] == "http://testserver/"
    assert sorted(entry.id for entry in feed.entries) == [
        "https://arxiv.org/abs/2411.00002",
        "https://arxiv.org/abs/hep-th/9901001",
    ]


def test_entries_carry_titles_links_authors_dates_and_summaries(client, seeded):
    feed = parse(client.get("/feeds/atom?author=Zichen+Liu"))
    assert feed.feed.title == "AcademicHub · Zichen Liu"
    assert [e.title for e in feed.entries] == ["Paper 2411.00002", "Paper 2411.00001"]
    entry = feed.entries[0]
    assert entry.link == "https://arxiv.org/abs/2411.00002"
    related = [link.href for link in entry.links if link.rel == "related"]
    assert related == ["http://testserver/papers/2411.00002", "https://arxiv.org/pdf/2411.00002"]
    assert [a.name for a in entry.authors] == ["Zichen Li", "Zichen Liu"]
    assert entry.updated == "2024-11-28T00:00:00Z" and entry.published == "2024-11-28T00:00:00Z"
    assert entry.summary == "An abstract with $\\alpha$."
    assert [t.term for t in entry.tags] == ["cs.AI", "cs.LG"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=hep-th", ["https://arxiv.org/abs/hep-th/9901001"]),
        ("q=graphs", ["https://arxiv.org/abs/hep-th/9901001"]),
        ("day=2024-11-27", ["https://arxiv.org/abs/2411.00001"]),
        ("author=Nobody", []),
    ],
)
def test_feed_filters(client, seeded, query, expected):
    assert [e.id for e in parse(client.get(f"/feeds/atom?{query}")).entries] == expected


def test_hostile_text_round_trips_as_text(client, session_factory):
    with transaction(session_factory) as session:
        source = add_source(session, "arXiv cs.CR")
    hostile = [
        record(f"2411.7000{n}", [payload[:300]], ["cs.CR"], THU, title=payload, abstract=payload)
        for n, payload in enumerate(HOSTILE)
    ]
    store(session_factory, source, hostile)
    response = client.get("/feeds/atom?category=cs.CR")
    feed = parse(response)
    assert {e.title_detail.type for e in feed.entries} == {"text/plain"}
    document = etree.fromstring(response.content)
    entries = document.findall(f"{{{ATOM}}}entry")
    assert sorted(e.findtext(f"{{{ATOM}}}title") for e in entries) == sorted(HOSTILE)
    assert sorted(e.findtext(f"{{{ATOM}}}summary") for e in entries) == sorted(HOSTILE)
    assert {e.find(f"{{{ATOM}}}title").get("type") for e in entries} == {"text"}


def test_feed_pages_link_next(client, session_factory, seeded):
    many = [record(f"2412.{n:05d}", ["A B"], ["cs.AI"], THU) for n in range(1, 106)]
    store(session_factory, seeded["ai"], many)
    first = parse(client.get("/feeds/atom?category=cs.AI"))
    assert len(first.entries) == 100
    links = {link.rel: link.href for link in first.feed.links}
    assert links["next"] == "http://testserver/feeds/atom?category=cs.AI&page=2"
    second = parse(client.get(links["next"]))
    assert len(second.entries) == 7
    assert second.feed.id == first.feed.id == "http://testserver/feeds/atom?category=cs.AI"


def test_bad_feed_parameters_answer_400(client, seeded):
    assert client.get("/feeds/atom?page=0").status_code == 400
    assert client.get("/feeds/atom?bogus=1").status_code == 400


def test_build_atom_drops_characters_xml_cannot_carry():
    moment = datetime(2024, 11, 28, tzinfo=UTC)
    entry = FeedEntry(
        id="urn:x:1",
        title="bell\x07 and \x0bvertical tab & <tags>",
        link="https://arxiv.org/abs/1",
        page_link="https://example.org/papers/1",
        pdf_link=None,
        authors=("A \x00B",),
        summary="s\ufffe",
        categories=("cs.AI",),
        published=None,
    )
    feed = FeedContext(
        id="urn:x",
        title="t",
        self_link="https://example.org/feeds/atom",
        html_link="https://example.org/",
        next_link=None,
        updated=moment,
        entries=(entry,),
    )
    document = build_atom(feed)
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    parsed = feedparser.parse(document)
    assert not parsed.bozo
    assert parsed.entries[0].title == "bell and vertical tab & <tags>"
    assert parsed.entries[0].updated == "2024-11-28T00:00:00Z"
    assert parsed.entries[0].authors[0].name == "A B"
