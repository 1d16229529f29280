"""Cards rendered once and filled in per page (app.web.cards, app.web.card_store), the links they
carry, and whole answers kept per data version (app.web.page_cache)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import event, func, select

from app.config import Settings
from app.db import transaction
from app.models import CardFragment
from app.scheduler import CardRenderer
from app.web import card_store, create_app
from app.web.card_store import RENDERED_ON_REQUEST, refresh_fragments, stale_paper_ids
from app.web.links import CardLinks, ViewQuery
from tests.web.seeding import THU, WED, add_source, by_class, record, store

VALUES = {
    "author": ("Zichen Liu", "zichen liu", "A & B+C", "José Martínez-García"),
    "category": ("cs.AI", "CS.ai", "q-bio.NC"),
    "source": ("3",),
    "q": ("trust region", "a&b=c"),
    "day": ("2024-11-28",),
    "shuffle": ("42",),
    "page": ("3",),
}
PAGES = (
    "/",
    "/?author=Zichen+Liu",
    "/?author=zichen+liu&category=cs.AI",
    "/?category=cs.LG",
    "/?day=2024-11-27",
    "/?shuffle=7",
    "/?q=paper",
    "/authors/Zichen%20Liu",
)


def _queries():
    for authors, categories in itertools.product(range(3), range(3)):
        for rest in itertools.product(*([(), (name,)] for name in ("source", "q", "day", "page"))):
            pairs = [("author", VALUES["author"][i]) for i in range(authors)]
            pairs += [("category", VALUES["category"][i]) for i in range(categories)]
            pairs += [(name, VALUES[name][0]) for group in rest for name in group]
            yield ViewQuery(tuple(reversed(pairs)))  # any order in, DESIGN's order out


@pytest.mark.parametrize("query", list(_queries()), ids=lambda q: q.href())
def test_card_links_spell_what_view_query_spells(query):
    links = CardLinks.for_query(query)
    for name in VALUES["author"]:
        assert links.author(name) == query.adding("author", name).href()
    for code in VALUES["category"]:
        assert links.category(code) == query.adding("category", code).href()


def _client(db_url, tmp_path) -> TestClient:
    return TestClient(create_app(Settings(database_url=db_url, data_dir=tmp_path)))


def _bodies(db_url, tmp_path) -> dict[str, str]:
    with _client(db_url, tmp_path) as client:
        answers = {url: client.get(url) for url in PAGES}
    assert {url: a.status_code for url, a in answers.items()} == dict.fromkeys(PAGES, 200)
    return {url: answer.text for url, answer in answers.items()}


def test_stored_fragments_give_the_pages_rendering_on_request_gives(
    db_url, tmp_path, session_factory, seeded, monkeypatch
):
    RENDERED_ON_REQUEST.clear()
    on_request = _bodies(db_url, tmp_path)

    assert refresh_fragments(session_factory) == 3
    RENDERED_ON_REQUEST.clear()

    def no_rendering(item):
        raise AssertionError(f"{item.id} was rendered on a request despite a stored fragment")

    monkeypatch.setattr(card_store, "render_fragment", no_rendering)
    assert _bodies(db_url, tmp_path) == on_request


def test_a_changed_paper_is_not_shown_from_its_old_fragment(
    db_url, tmp_path, session_factory, seeded
):
    refresh_fragments(session_factory)
    later = datetime(2024, 11, 29, 6, tzinfo=UTC)
    newer = record("2411.00002", ["Zichen Li"], ["cs.AI"], THU, version=2, title="Renamed $x$")
    store(session_factory, seeded["ai"], [newer], now=later)

    with _client(db_url, tmp_path) as client:
        text = client.get("/papers/2411.00002").text, client.get("/?author=Zichen+Li").text
    assert "Renamed" in text[1] and "Paper 2411.00002" not in text[1]
    with session_factory() as session:
        assert len(stale_paper_ids(session, since=later, limit=10)) == 1
    assert refresh_fragments(session_factory, since=later) == 1
    with session_factory() as session:
        assert stale_paper_ids(session, limit=10) == []


def test_marker_characters_in_feed_text_stay_out_of_the_page(db_url, tmp_path, session_factory):
    with transaction(session_factory) as session:
        source = add_source(session, "arXiv cs.AI")
    hostile = record(
        "2411.00009", ["Ann\x01 Lee"], ["cs.AI"], WED, title="Title\x01\x02\x05\x06 end"
    )
    store(session_factory, source, [hostile])
    for stored in (False, True):
        if stored:
            refresh_fragments(session_factory)
        RENDERED_ON_REQUEST.clear()
        with _client(db_url, tmp_path) as client:
            doc = html.fromstring(client.get("/?category=cs.AI").text)
        [title] = doc.xpath(f"//h3[{by_class('paper-title')}]")
        assert title.text_content().strip() == "Title end"
        assert doc.xpath(f"//a[{by_class('author-link')}]/@href") == [
            "/?author=Ann+Lee&category=cs.AI"
        ]


def test_chosen_authors_are_marked_and_link_to_the_view_itself(client, seeded):
    doc = html.fromstring(client.get("/?author=zichen+liu&category=cs.AI&page=1").text)
    active = doc.xpath(f"//a[{by_class('author-link')} and {by_class('is-active')}]")
    assert {a.text for a in active} == {"Zichen Liu"} and len(active) == 2
    assert {a.get("href") for a in active} == {"/?author=zichen+liu&category=cs.AI"}
    categories = doc.xpath(f"//a[{by_class('category-link')} and text()='cs.AI']/@href")
    assert set(categories) == {"/?author=zichen+liu&category=cs.AI"}


def test_card_renderer_catches_up_then_renders_only_what_changed(session_factory, seeded):
    class Services:
        sessions = session_factory

    renderer = CardRenderer(Services())
    renderer()
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CardFragment)) == 3
    assert renderer.since is not None
    renderer.since = datetime.now(UTC) + timedelta(days=1)  # nothing modified since then
    renderer()
    with session_factory() as session:
        assert stale_paper_ids(session, limit=10) == []


# --- whole answers per data version ----------------------------------------------------------


def _count_queries(engine) -> list[str]:
    seen: list[str] = []

    def note(connection, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    return seen


def test_repeated_urls_are_answered_from_memory_until_the_data_changes(
    db_url, tmp_path, session_factory, seeded
):
    with _client(db_url, tmp_path) as client:
        statements = _count_queries(client.app.state.engine)
        first = client.get("/?author=Zichen+Liu")
        cold = len(statements)
        second = client.get("/?author=Zichen+Liu")
        assert second.text == first.text and second.headers["etag"] == first.headers["etag"]
        assert len(statements) - cold == 1, "a repeat reads only the data version"
        head = client.head("/?author=Zichen+Liu")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == first.headers["etag"]

        later = datetime(2024, 11, 29, 6, tzinfo=UTC)
        store(session_factory, seeded["ai"], [record("2411.00077", ["Zichen Liu"], [], THU)], later)
        third = client.get("/?author=Zichen+Liu")
    assert third.headers["etag"] != first.headers["etag"]
    assert "2411.00077" in third.text and "2411.00077" not in first.text


def test_the_shuffle_link_is_a_function_of_the_url(client, seeded):
    def shuffle_href(url: str) -> str:
        return html.fromstring(client.get(url).text).get_element_by_id("shuffle").get("href")

    assert shuffle_href("/?category=cs.AI") == shuffle_href("/?category=cs.AI")
    assert shuffle_href("/?category=cs.AI") != shuffle_href("/?category=cs.LG")
    first = shuffle_href("/")
    assert shuffle_href(first.split("#")[0]) != first, "each shuffled page links to a new draw"
