"""HTML pages through the app: filters, chips, day navigation, paging, errors, validators, XSS."""

from __future__ import annotations

import base64
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from lxml import html

from app.curation.daily import PaperFilters
from app.db import transaction
from app.web.conditional import is_not_modified, make_validators, normalised_url
from app.web.links import ViewQuery, paper_href
from app.web.security import CONTENT_SECURITY_POLICY
from tests.web.seeding import MON, NOW, THU, add_source, by_class, record, store

# Hostile inputs from feedparser's sanitizer tests (tests/wellformed/sanitize/*.xml in
# kurtmckee/feedparser, also under ../shared/fixtures/feeds/feedparser-tests/), as the raw,
# unsanitized HTML those documents carry.
CRAZY = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<title>Crazy HTML -- Can Your Regex Parse This?</title></head>
<body    notRealAttribute="value"onload="executeMe();"foo="bar"
>
<!-- <script> -->
<!--
	<script>
-->
</script>
<script
>
function executeMe()
{
/* <script>
function am_i_javascript() { var str = "Some innocuously commented out stuff"; }
< /script>
*/
	alert("Executed");
}
                                   </script
>
<h1>Did The Javascript Execute?</h1>
<div notRealAttribute="value
"onmouseover="
executeMe();
"foo="bar">
I will execute here, too, if you mouse over me
</div></body></html>"""
SCRIPT_BASE64 = base64.b64decode(
    "c2FmZTxzY3JpcHQgdHlwZT0idGV4dC9qYXZhc2NyaXB0Ij5sb2NhdGlvbi5ocmVmPSdodHRwOi8n"
    "KycvZXhhbXBsZS5jb20vJzs8L3NjcmlwdD4gZGVzY3JpcHRpb24="
).decode()
STYLE = (
    '<a href="http://www.ragingplatypus.com/" style="display:block; position:absolute; left:0; '
    "top:0; width:100%; height:100%; z-index:1; background-color:black; background-image:url("
    'http://www.ragingplatypus.com/i/cam-full.jpg);">never trust your upstream platypus</a>'
)
NESTED_CDATA = "<![CDATA[<script></script>]]>"
ONERROR = (
    '<img src="http://www.ragingplatypus.com/i/cam-full.jpg" '
    "onerror=\"location.href='http://www.ragingplatypus.com/';\" />"
)
HOSTILE = [
    CRAZY,
    SCRIPT_BASE64,
    STYLE,
    NESTED_CDATA,
    ONERROR,
    '<a href="javascript:alert(1)">x</a>',
]


def page(response) -> html.HtmlElement:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def card_ids(doc) -> list[str]:
    return doc.xpath(f"//section[@id='cards']//article[{by_class('paper-card')}]/@data-paper-id")


def chips(doc, kind: str) -> list[str]:
    return doc.xpath(f"//nav[{by_class('filter-bar')}]//*[{by_class('chip-' + kind)}]/@data-value")


def query_of(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


# --- Curated Daily -------------------------------------------------------------------------------


def test_daily_shows_the_latest_day_as_numbered_cards(client, seeded):
    doc = page(client.get("/"))
    assert (
        doc.xpath(f"string(//*[{by_class('kicker')}])") == "Academic Intelligence · Curated Daily"
    )
    assert doc.xpath("string(//h1)") == "Explore the Frontier of Global Academia"
    assert sorted(card_ids(doc)) == ["2411.00002", "hep-th/9901001"]
    first = doc.xpath(f"//article[{by_class('paper-card')}]")[0]
    assert first.xpath(f"string(.//*[{by_class('card-number')}])") == "01."
    assert first.xpath(f"string(.//*[{by_class('source-label')}])").startswith("arXiv (")
    assert first.xpath(".//time/@datetime") == ["2024-11-28"]
    assert first.xpath(".//time/text()") == ["28 Nov 2024"]
    title_href = first.xpath(f".//*[{by_class('paper-title')}]/a/@href")[0]
    assert title_href == paper_href(first.get("data-paper-id"))
    assert doc.xpath("//input[@id='day-picker'][@type='date']/@value") == ["2024-11-28"]


def test_card_badges_links_and_code(client, seeded):
    doc = page(client.get("/?day=2024-11-28"))
    witten = doc.xpath("//article[@data-paper-id='hep-th/9901001']")[0]
    assert witten.xpath(f"string(.//*[{by_class('badge')}])") == "replaced v3"
    assert witten.xpath(".//a[@class='link-abs']/@href") == ["https://arxiv.org/abs/hep-th/9901001"]
    assert witten.xpath(".//a[@class='link-pdf']/@href") == ["https://arxiv.org/pdf/hep-th/9901001"]
    assert witten.xpath(".//a[@class='link-code']/@href") == ["https://github.com/witten/strings"]
    assert "Nucl. Phys. B 1 (1999)" in witten.text_content()
    cross = doc.xpath("//article[@data-paper-id='2411.00002']")[0]
    assert cross.xpath(".//a[@class='link-doi']/@href") == ["https://doi.org/10.1000/xyz"]
    assert cross.xpath(".//a[@class='link-code']") == []


@pytest.mark.parametrize(
    ("query", "expected", "chip_kind", "chip_value"),
    [
        ("author=Zichen+Liu", ["2411.00002", "2411.00001"], "author", "Zichen Liu"),
        ("category=cs.LG", ["2411.00002"], "category", "cs.LG"),
        ("q=graphs", ["hep-th/9901001"], "query", "graphs"),
        ("day=2024-11-27&category=cs.AI", ["2411.00001"], "day", "2024-11-27"),
    ],
)
def test_every_filter_narrows_and_shows_a_chip(
    client, seeded, query, expected, chip_kind, chip_value
):
    doc = page(client.get(f"/?{query}"))
    assert card_ids(doc) == expected
    assert chips(doc, chip_kind) == [chip_value]


def test_source_filter_chip_shows_the_source_label(client, seeded):
    doc = page(client.get(f"/?source={seeded['lg']}"))
    assert card_ids(doc) == ["2411.00002"]
    assert chips(doc, "source") == [str(seeded["lg"])]
    assert "arXiv cs.LG" in doc.xpath(f"string(//*[{by_class('chip-source')}])")


def test_author_link_adds_a_chip_and_keeps_the_others(client, seeded):
    doc = page(client.get("/?category=cs.AI&author=Zichen+Li"))
    link = doc.xpath(
        "//article[@data-paper-id='2411.00002']//a[@class='author-link'][.='Zichen Liu']"
    )
    href = link[0].get("href")
    assert query_of(href) == [
        ("author", "Zichen Li"),
        ("author", "Zichen Liu"),
        ("category", "cs.AI"),
    ]
    followed = page(client.get(href))
    assert chips(followed, "author") == ["Zichen Li", "Zichen Liu"]
    assert chips(followed, "category") == ["cs.AI"]
    assert card_ids(followed) == ["2411.00002"]


def test_chip_remove_link_removes_exactly_that_chip(client, seeded):
    doc = page(client.get("/?author=Zichen+Liu&author=Zichen+Li&category=cs.AI&page=1"))
    remove = doc.xpath(f"//*[{by_class('chip-author')}][@data-value='Zichen Liu']/a")[0]
    assert remove.get("class") == "chip-remove"
    assert remove.get("aria-label") == "Remove author Zichen Liu"
    assert query_of(remove.get("href")) == [("author", "Zichen Li"), ("category", "cs.AI")]
    category = doc.xpath(f"//*[{by_class('chip-category')}]/a/@href")[0]
    assert query_of(category) == [("author", "Zichen Liu"), ("author", "Zichen Li")]
    last = page(client.get("/?author=Zichen+Liu")).xpath("//a[@class='chip-remove']/@href")
    assert last == ["/"]


def test_category_link_adds_a_category_chip(client, seeded):
    doc = page(client.get("/?author=Zichen+Li"))
    href = doc.xpath("//a[@class='category-link'][.='cs.LG']/@href")[0]
    assert query_of(href) == [("author", "Zichen Li"), ("category", "cs.LG")]


def test_search_form_keeps_the_filters(client, seeded):
    doc = page(client.get("/?author=Zichen+Liu&day=2024-11-28&q=x"))
    form = doc.xpath("//form[@role='search']")[0]
    assert form.xpath(".//input[@id='search'][@name='q'][@type='search']/@value") == ["x"]
    hidden = [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")]
    assert hidden == [("author", "Zichen Liu")]


def test_blank_search_or_day_redirects_instead_of_failing(client, seeded):
    response = client.get("/?author=Zichen+Liu&q=+&day=", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?author=Zichen+Liu"


def test_shuffle_link_carries_a_fresh_seed_and_the_filters(client, seeded):
    doc = page(client.get("/?author=Zichen+Liu&page=1"))
    href = doc.xpath("//a[@id='shuffle']/@href")[0]
    pairs = query_of(href)
    assert pairs[0] == ("author", "Zichen Liu") and pairs[1][0] == "shuffle"
    assert int(pairs[1][1]) > 0
    assert href.endswith("#cards")


def test_shuffle_is_seeded_and_keeps_its_drawn_order(client, seeded):
    first = card_ids(page(client.get("/?shuffle=42")))
    assert sorted(first) == ["2411.00001", "2411.00002", "hep-th/9901001"]  # whole collection
    assert card_ids(page(client.get("/?shuffle=42"))) == first
    doc = page(client.get("/?shuffle=42"))
    assert chips(doc, "shuffle") == ["42"]


# --- day navigation and empty states -------------------------------------------------------------


def test_day_navigation_links_adjacent_days(client, seeded):
    assert card_ids(page(client.get("/?day=2024-11-27"))) == ["2411.00001"]
    doc = page(client.get("/?day=2024-11-27&author=Zichen+Liu"))
    assert doc.xpath("//a[@id='prev-day']") == []
    following = doc.xpath("//a[@id='next-day']/@href")[0]
    assert query_of(following) == [("author", "Zichen Liu"), ("day", "2024-11-28")]
    latest = page(client.get("/"))
    assert query_of(latest.xpath("//a[@id='prev-day']/@href")[0]) == [("day", "2024-11-27")]
    assert latest.xpath("//a[@id='next-day']") == []
    picker = latest.xpath("//input[@id='day-picker']")[0]
    assert picker.get("type") == "date" and picker.get("name") == "day"


def test_empty_day_links_the_nearest_day_with_papers(client, seeded):
    doc = page(client.get("/?day=2024-11-30"))
    empty = doc.xpath(f"//*[{by_class('empty-state')}]")[0]
    assert "No announcements on Saturday, 30 November 2024" in empty.text_content()
    assert query_of(empty.xpath(".//a/@href")[0]) == [("day", "2024-11-28")]
    assert card_ids(doc) == []


def test_first_run_empty_state_names_the_command(client, db_url):
    doc = page(client.get("/"))
    empty = doc.xpath(f"//*[{by_class('empty-state')}]")[0]
    assert "academichub sources add cs.AI" in empty.text_content()


def test_sources_without_papers_say_to_poll(client, session_factory):
    with transaction(session_factory) as session:
        add_source(session, "arXiv cs.AI")
    empty = page(client.get("/")).xpath(f"//*[{by_class('empty-state')}]")[0]
    assert "academichub poll" in empty.text_content()


def test_no_match_empty_state(client, seeded):
    doc = page(client.get("/?author=Nobody+Here"))
    assert "No papers match" in doc.xpath(f"string(//*[{by_class('empty-state')}])")


# --- paging --------------------------------------------------------------------------------------


def test_paging_links_keep_the_filters(client, session_factory, seeded):
    many = [record(f"2412.{n:05d}", ["A B"], ["cs.AI"], MON) for n in range(1, 56)]
    store(session_factory, seeded["ai"], many)
    first = page(client.get("/?category=cs.AI"))
    assert len(card_ids(first)) == 50
    next_href = first.xpath("//nav[@aria-label='Pages']//a[@rel='next']/@href")[0]
    assert query_of(next_href) == [("category", "cs.AI"), ("page", "2")]
    second = page(client.get(next_href))
    assert len(card_ids(second)) == 7
    numbers = second.xpath(f"//*[{by_class('card-number')}]/text()")
    assert numbers[0] == "51." and numbers[-1] == "57."
    previous = second.xpath("//nav[@aria-label='Pages']//a[@rel='prev']/@href")[0]
    assert query_of(previous) == [("category", "cs.AI")]
    assert not set(card_ids(first)) & set(card_ids(second))


# --- other pages ---------------------------------------------------------------------------------


def test_dates_say_announced_only_for_new_and_cross_listed_papers(client, seeded):
    """A replacement seen first is stored under the day we saw it: that is no announcement day."""
    doc = page(client.get("/?day=2024-11-28"))

    def card_date(paper_id: str) -> str:
        card = doc.xpath(f"//article[@data-paper-id='{paper_id}']")[0]
        return " ".join(card.xpath(f"string(.//*[{by_class('card-date')}])").split())

    assert card_date("hep-th/9901001") == "Listed 28 Nov 2024"
    assert card_date("2411.00002") == "Announced 28 Nov 2024"
    replaced = page(client.get("/papers/hep-th/9901001"))
    assert replaced.xpath("//dl[@class='facts']/dt/text()")[1] == "First listed here"
    assert "announced" not in replaced.xpath("string(//dl[@class='facts'])").lower()
    crossed = page(client.get("/papers/2411.00002"))
    assert crossed.xpath("//dl[@class='facts']/dt/text()")[1] == "Announced"


def test_paper_page_with_slash_and_doi_ids(client, seeded):
    doc = page(client.get("/papers/hep-th/9901001"))
    assert doc.xpath("//article/@data-paper-id") == ["hep-th/9901001"]
    text = doc.text_content()
    assert "Edward Witten" in text and "12 pages, journal version" in text and "version 3" in text
    assert doc.xpath("//a[contains(@class, 'author-name')]/@href") == ["/authors/Edward%20Witten"]
    by_doi = page(client.get("/papers/doi:10.1000/xyz"))
    assert by_doi.xpath("//article/@data-paper-id") == ["2411.00002"]


def test_author_page_lists_their_papers_newest_first(client, seeded):
    doc = page(client.get("/authors/Zichen%20Liu"))
    assert doc.xpath("string(//h1)") == "Zichen Liu"
    assert card_ids(doc) == ["2411.00002", "2411.00001"]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/?day=2024-13-01", "day must be a date"),
        ("/?day=yesterday", "day must be a date"),
        ("/?page=two", "page must be a whole number"),
        ("/?page=0", "page must be between 1 and 10000"),
        ("/?colour=red", "unknown parameter 'colour'"),
        ("/?source=abc", "source must be a whole number"),
        ("/authors/Zichen%20Liu?page=x", "page must be a whole number"),
        ("/papers/2411.00001?x=1", "unknown parameter 'x'"),
        ("/feeds/atom?day=2024-02-30", "day must be a date"),
    ],
)
def test_malformed_parameters_answer_an_html_400(client, seeded, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    doc = html.fromstring(response.text)
    assert message in doc.xpath("string(//*[@class='error-message'])")


@pytest.mark.parametrize("url", ["/papers/9999.99999", "/authors/Nobody%20Here", "/no/such/page"])
def test_unknown_things_answer_an_html_404(client, seeded, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_api_errors_stay_json(client, seeded):
    response = client.get("/api/papers?page=x")
    assert response.status_code == 400 and "page" in response.json()["detail"]


# --- math and hostile text -----------------------------------------------------------------------


def test_math_renders_as_mathml_and_a_broken_formula_shows_its_source(client, seeded):
    response = client.get("/?day=2024-11-28")
    doc = page(response)
    title = doc.xpath("//article[@data-paper-id='hep-th/9901001']//*[@class='paper-title']")[0]
    assert len(title.xpath(".//math")) == 1
    assert title.xpath("string(.//code[@class='tex-source'])") == "$\\frac{1}{$"
    assert doc.xpath("//article[@data-paper-id='2411.00002']//*[@class='abstract']//math")


def assert_inert(text: str) -> None:
    """Nothing in the page can run script, other than our own app.js and radar.js."""
    doc = html.fromstring(text)
    scripts = doc.xpath("//script")
    assert [s.get("src", "").split("?")[0] for s in scripts] == [
        "/static/app.js",
        "/static/radar.js",
    ]
    assert not [s for s in scripts if (s.text or "").strip()]
    assert doc.xpath("//img | //iframe | //object | //embed | //style | //*[@style]") == []
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        assert not [name for name in element.attrib if name.lower().startswith("on")], element.tag
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            assert not element.get(name, "").strip().lower().startswith(("javascript:", "data:"))


@pytest.mark.parametrize(
    "payload", HOSTILE, ids=["crazy", "base64", "style", "cdata", "onerror", "js"]
)
def test_hostile_titles_abstracts_and_authors_come_out_escaped(client, session_factory, payload):
    with transaction(session_factory) as session:
        source = add_source(session, "arXiv cs.CR")
    hostile = record(
        "2411.66666",
        [payload[:300], "Ann Safe"],
        ["cs.CR"],
        THU,
        title=payload,
        abstract=payload + " $\\text{" + payload[:200] + "}$ $\\href{javascript:alert(1)}{x}$",
        comments=payload,
        journal_ref=payload,
        url="javascript:alert(1)",
    )
    store(session_factory, source, [hostile])
    for url in ("/", "/papers/2411.66666", "/?q=safe", "/authors/Ann%20Safe"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    doc = page(client.get("/papers/2411.66666"))
    assert doc.xpath("//a[@class='link-abs']") == []  # a javascript: link is dropped, not shown
    assert doc.xpath("string(//h1[@class='paper-title'])") == payload  # shown as text


def test_security_headers_on_pages_and_errors(client, seeded):
    for url in ("/", "/papers/2411.00001", "/?day=bad", "/feeds/atom", "/api/papers"):
        response = client.get(url)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client, seeded):
    for url in (
        "/",
        "/papers/hep-th/9901001",
        "/authors/Zichen%20Liu",
        "/nope",
        "/?day=2024-11-30",
    ):
        assert_inert(client.get(url).text)


def test_static_assets_are_served(client):
    assert (
        client.get("/static/app.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")


# --- validators ----------------------------------------------------------------------------------

VALIDATED = [
    "/",
    "/?author=Zichen+Liu",
    "/papers/hep-th/9901001",
    "/authors/Zichen%20Liu",
    "/feeds/atom",
    "/api/papers",
    "/api/papers/2411.00001",
]


@pytest.mark.parametrize("url", VALIDATED)
def test_if_none_match_answers_304(client, seeded, url):
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


@pytest.mark.parametrize("url", VALIDATED)
def test_if_modified_since_answers_304(client, seeded, url):
    first = client.get(url)
    last_modified = first.headers["last-modified"]
    assert last_modified == format_datetime(NOW, usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = format_datetime(NOW - timedelta(seconds=1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_validators_change_when_papers_land(client, session_factory, seeded):
    before = client.get("/?author=Zichen+Liu").headers["etag"]
    assert client.get("/?author=Zichen+Li").headers["etag"] != before  # per URL
    later = NOW + timedelta(days=4)
    store(
        session_factory, seeded["ai"], [record("2412.00009", ["Zichen Liu"], ["cs.AI"], MON)], later
    )
    response = client.get("/?author=Zichen+Liu", headers={"If-None-Match": before})
    assert response.status_code == 200
    assert response.headers["etag"] != before
    assert response.headers["last-modified"] == format_datetime(later, usegmt=True)


def test_errors_carry_no_validators(client, seeded):
    assert "etag" not in client.get("/?day=bad").headers
    assert "etag" not in client.get("/papers/nope").headers


def test_validator_helpers():
    assert normalised_url("/", "page=2&author=B&author=A") == "/?author=B&author=A&page=2"
    validators = make_validators("2024-11-28T06:00:00.123+00:00/3/4", "/")
    assert validators.last_modified == NOW
    assert is_not_modified(validators, "*", None)
    assert is_not_modified(validators, f'"x", {validators.etag[2:]}', None)  # weak comparison
    assert not is_not_modified(validators, '"x"', "Thu, 28 Nov 2024 06:00:00 GMT")  # ETag wins
    assert is_not_modified(validators, None, "Thu, 28 Nov 2024 06:00:00 GMT")
    assert not is_not_modified(validators, None, "not a date")
    assert make_validators("-/0/0", "/").last_modified is None


def test_view_query_links():
    query = ViewQuery.from_filters(
        PaperFilters(authors=("A", "B"), categories=("cs.AI",), day=THU, page=3, shuffle=7)
    )
    assert query.adding("author", "C").href() == (
        "/?author=A&author=B&author=C&category=cs.AI&day=2024-11-28&shuffle=7"
    )
    assert query.adding("author", "a").href() == (
        "/?author=A&author=B&category=cs.AI&day=2024-11-28&shuffle=7"
    )
    assert (
        query.removing("author", "A").href() == "/?author=B&category=cs.AI&day=2024-11-28&shuffle=7"
    )
    assert query.setting("page", "4").href().endswith("shuffle=7&page=4")
    assert ViewQuery().href("/feeds/atom") == "/feeds/atom"
    assert paper_href("hep-th/9901001") == "/papers/hep-th/9901001"
    assert paper_href("doi:10.1000/a b#c") == "/papers/doi:10.1000/a%20b%23c"
