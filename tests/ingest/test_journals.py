"""Journal feeds: golden files per publisher shape, the torture corpus, the dispatcher, a real poll.

Regenerate the goldens after an intended parser change with
`UPDATE_GOLDEN=1 pytest tests/ingest/test_journals.py`, then read the diff against the XML.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import transaction
from app.ingest.arxiv import FeedParseError
from app.ingest.documents import UnsupportedDocumentError, parse_document
from app.ingest.journals import JournalFeedError, parse_journal_feed, split_creators
from app.ingest.sources import add_source
from app.models import Author, Paper, PaperAuthor
from app.schemas import ParsedFeed
from tests.conftest import FIXTURES
from tests.ingest.test_poll import NOW, Harness
from tests.ingest.test_sanitize import assert_inert

FEEDS = FIXTURES / "feeds"
GOLDEN = FIXTURES / "golden"
SHAPED = "publisher-shaped"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NATURE = f"{SHAPED}/nature-rdf-2024-03-06.xml"

CASES = [
    "elsevier-atypon/jpeds-rss1-rdf-2018-12-17-extracted.xml",
    "biorxiv/rss1-genomics-single-item-2023-12-16.xml",
    NATURE,
    f"{SHAPED}/atypon-science-rdf-2024-03-07.xml",
    f"{SHAPED}/atypon-pnas-rdf-2024-03-05.xml",
    f"{SHAPED}/plos-atom-2024-03-07.xml",
    f"{SHAPED}/sciencedirect-rss2-2024-03-08.xml",
    f"{SHAPED}/springer-bmc-rss2-2024-03-05.xml",
    f"{SHAPED}/ieee-rss2-2024-03-01.xml",
]


def parse(fixture: str) -> ParsedFeed:
    return parse_journal_feed((FEEDS / fixture).read_bytes())


@pytest.mark.parametrize("fixture", CASES, ids=[Path(c).stem for c in CASES])
def test_parse_matches_golden(fixture: str) -> None:
    actual = parse(fixture).model_dump(mode="json")
    path = GOLDEN / f"journal-{Path(fixture).stem}.json"
    if UPDATE:
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    assert path.exists(), f"no golden file {path.name}; run with UPDATE_GOLDEN=1 and review it"
    expected = json.loads(path.read_text())
    actual_records, expected_records = actual.pop("records"), expected.pop("records")
    assert actual == expected
    assert len(actual_records) == len(expected_records)
    for index, (got, want) in enumerate(zip(actual_records, expected_records, strict=True)):
        assert got == want, f"record {index} ({want.get('doi') or want.get('guid')}) differs"


# --- what the samples and shapes must give (FORMATS.md §4-5) ----------------------------------


def test_jpeds_atypon_sample() -> None:
    feed = parse(CASES[0])
    (record,) = feed.records
    assert feed.title == "The Journal of Pediatrics" and feed.kind == "rss"
    assert record.doi == "10.1016/j.jpeds.2018.08.009"  # bare DOI in dc:identifier
    assert record.canonical_key == "doi:10.1016/j.jpeds.2018.08.009"
    assert len(record.authors) == 13 and record.authors[3].name == "Erik van Widenfelt"
    assert record.announced_on == date(2018, 10, 11)
    assert record.url == "https://www.jpeds.com/article/S0022-3476(18)31119-3/fulltext"
    assert record.journal_ref == "The Journal of Pediatrics 203, 68–75.e2"
    assert record.categories == [] and record.abstract_html is None


def test_biorxiv_rss1_pairs_surnames_with_initials() -> None:
    (record,) = parse(CASES[1]).records
    names = [author.name for author in record.authors]
    assert names[:4] == ["N. LAPALU", "A. SIMON", "A. Lu", "P.-L. Plaumann"]
    assert names[-2:] == ["J.-F. Dallery", "R. J. O'Connell"] and len(names) == 10
    assert record.doi == "10.1101/2023.12.16.571984"
    assert record.title.startswith("Complete genome") and not record.title.endswith(" ")
    assert record.url == "http://biorxiv.org/cgi/content/short/2023.12.16.571984v1"


def test_nature_boilerplate_is_removed_and_hostile_html_sanitized() -> None:
    feed = parse(NATURE)
    first, news, hostile = feed.records
    assert feed.title == "Nature"
    assert first.abstract.startswith("Larvae of an invented") and "Published online" not in (
        first.abstract + first.abstract_html
    )
    assert first.title == "An invented tidal clock in Exemplaria fictiva larvae"
    assert [a.name for a in first.authors] == ["A. Example", "B. Sample", "C. Placeholder"]
    assert news.doi == "10.1038/d41586-099-00002-2" and news.title.count("—") == 1
    assert "agency’s" in news.abstract  # "&amp;#8217;" decoded once more
    assert hostile.abstract == "A made-up lattice is cooled below 1 K in an invented experiment."
    assert hostile.abstract_html is None  # script and javascript: link gone, nothing left to keep
    assert hostile.title == "Sub-kelvin cooling of a synthetic CO2 lattice"


def test_sciencedirect_header_gives_authors_source_and_online_day() -> None:
    in_press, issue = parse(f"{SHAPED}/sciencedirect-rss2-2024-03-08.xml").records
    assert [a.name for a in in_press.authors] == ["A. Example", "B. Sample", "C. Placeholder"]
    assert in_press.abstract is None and in_press.journal_ref == "Cell Reports, Volume 43, Issue 3"
    assert in_press.announced_on == date(2024, 3, 7)  # "Available online 7 March 2024"
    assert issue.announced_on is None  # a bare cover date is not the day it was listed
    assert issue.abstract == "We map 1 200 invented neurons — none of them real."
    assert in_press.doi is None  # only a PII: the key falls back to the guid
    assert in_press.canonical_key.startswith("guid:https://www.sciencedirect.com/")
    assert in_press.url.endswith("/pii/S0000000099000012")  # ?dgcid=rss_sd_all dropped


def test_atypon_citation_line_is_cut_and_malformed_dates_read() -> None:
    science = parse(f"{SHAPED}/atypon-science-rdf-2024-03-07.xml")
    assert science.title == "Science"  # prism:publicationName beats "Science: Table of Contents"
    assert science.records[0].abstract.startswith("A placeholder abstract")
    assert science.records[0].abstract_html.count("<sub>2</sub>") == 1
    assert science.records[1].abstract is None
    pnas = parse(f"{SHAPED}/atypon-pnas-rdf-2024-03-05.xml").records
    assert pnas[0].announced_on == date(2024, 3, 5)  # prism:publicationDate "2024-03-05-08:00"
    assert [a.name for a in pnas[0].authors] == ["A. Example", "B. Sample", "C. Placeholder"]
    assert pnas[0].doi == "10.1073/pnas.2099000001" and pnas[1].authors == []


def test_plos_atom_doi_from_id_and_byline_cut() -> None:
    feed = parse(f"{SHAPED}/plos-atom-2024-03-07.xml")
    first = feed.records[0]
    assert feed.kind == "atom" and feed.title == "PLOS ONE"
    assert first.doi == "10.1371/journal.pone.9999001" and first.abstract.startswith("We describe")
    assert "made up & exist" in first.abstract
    assert first.url == "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.9999001"


def test_ieee_without_authors_or_dates_keeps_tex_source() -> None:
    feed = parse(f"{SHAPED}/ieee-rss2-2024-03-01.xml")
    assert feed.title == "IEEE Transactions on Pattern Analysis and Machine Intelligence"
    record = feed.records[0]
    assert record.authors == [] and record.announced_on is None and record.doi is None
    assert "$O(n \\log n)$" in record.abstract


# --- small documents for one rule each --------------------------------------------------------


def rss(item: str, channel: str = "<title>Journal of Examples</title>") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">'
        f"<channel>{channel}<item>{item}</item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("item", "doi"),
    [
        ("<prism:doi>10.1000/ABC.1</prism:doi>", "10.1000/abc.1"),
        ("<dc:identifier>doi:10.1000/x.2</dc:identifier>", "10.1000/x.2"),
        ("<dc:identifier>10.1000/x.3</dc:identifier>", "10.1000/x.3"),
        ("<guid>info:doi/10.1371/journal.pone.0000004</guid>", "10.1371/journal.pone.0000004"),
        ("<link>https://doi.org/10.1000/x.5</link>", "10.1000/x.5"),
        ("<link>https://www.science.org/doi/abs/10.1126/sci.6?af=R</link>", "10.1126/sci.6"),
        ("<link>https://onlinelibrary.wiley.com/doi/10.1002/ex.7</link>", "10.1002/ex.7"),
        ("<link>https://link.springer.com/article/10.1007/s1-8</link>", "10.1007/s1-8"),
        ("<link>https://j.example/article?id=10.1371%2Fjournal.x.9</link>", "10.1371/journal.x.9"),
        (
            "<link>https://www.nature.com/articles/s41586-099-0001-1</link>",
            "10.1038/s41586-099-0001-1",
        ),
        ("<link>https://www.example.org/pii/S000</link><guid>urn:x:1</guid>", None),
    ],
)
def test_doi_sources(item: str, doi: str | None) -> None:
    (record,) = parse_journal_feed(rss(f"<title>T</title>{item}")).records
    assert record.doi == doi


@pytest.mark.parametrize(
    ("creators", "names"),
    [
        ("LAPALU, N., SIMON, A., Lu, A.", ["N. LAPALU", "A. SIMON", "A. Lu"]),
        ("Zhao, Y.-Y.; de Farias, C. B.", ["Y.-Y. Zhao", "C. B. de Farias"]),
        (
            "Ann Example, Bo Sample and Cy Placeholder",
            ["Ann Example", "Bo Sample", "Cy Placeholder"],
        ),
        ("A. Example, B. Sample, and C. Dummy", ["A. Example", "B. Sample", "C. Dummy"]),
        ("Example, A., Sample", ["Example", "A.", "Sample"]),  # odd count: no pairing guessed
        ('Sch\\"onfeld, J.', ["J. Schönfeld"]),
        ("", []),
    ],
)
def test_split_creators(creators: str, names: list[str]) -> None:
    assert [author.name for author in split_creators(creators)] == names


def test_repeated_creators_are_one_person_each() -> None:
    item = "<title>T</title><dc:creator>Example, Ann</dc:creator><dc:creator>B. Sample</dc:creator>"
    (record,) = parse_journal_feed(rss(item)).records
    assert [author.name for author in record.authors] == ["Ann Example", "B. Sample"]


@pytest.mark.parametrize(
    ("item", "day"),
    [
        ("<pubDate>Tue, 05 Mar 2024 23:30:00 -0800</pubDate>", date(2024, 3, 5)),
        ("<dc:date>2024-03-06</dc:date>", date(2024, 3, 6)),
        ("<prism:publicationDate>2018-12-17-08:00</prism:publicationDate>", date(2018, 12, 17)),
        ("<dc:date>2024-02-30</dc:date>", None),
        ("<pubDate>not a date</pubDate>", None),
    ],
)
def test_dates(item: str, day: date | None) -> None:
    (record,) = parse_journal_feed(rss(f"<title>T</title>{item}")).records
    assert record.announced_on == day


def test_subjects_become_categories_and_titles_lose_markup() -> None:
    item = (
        "<title>&lt;scp&gt;Treebase&lt;/scp&gt; for H&lt;sub&gt;2&lt;/sub&gt;O &amp;amp;#8212; x"
        "</title>"
        "<category>Ecology</category><dc:subject>Ecology</dc:subject><dc:subject>Water</dc:subject>"
        "<link>javascript:alert(1)</link><description>plain &amp;lt;5 text</description>"
    )
    (record,) = parse_journal_feed(rss(item)).records
    assert record.title == "Treebase for H2O — x"
    assert record.categories == ["Ecology", "Water"]
    assert record.url is None  # never a javascript: link on a page
    assert record.abstract == "plain <5 text" and record.abstract_html is None


def test_journal_name_wrappers_and_fallbacks() -> None:
    ieee = rss("<title>T</title>", "<title>IEEE Example Letters - new TOC</title>")
    assert parse_journal_feed(ieee).title == "IEEE Example Letters"
    untitled = rss("<title>T</title>", "")
    assert parse_journal_feed(untitled, feed_label="My label").title == "My label"


def test_cut_off_document_keeps_complete_entries_only() -> None:
    body = (FEEDS / NATURE).read_bytes()
    cut = body[: body.index(b"<dc:creator>E. Muster")]
    feed = parse_journal_feed(cut)
    assert feed.truncated and [r.doi[-7:] for r in feed.records] == ["00001-1", "00002-2"]
    before_items = body[: body.index(b"<item ")]
    header_only = parse_journal_feed(before_items)
    assert header_only.truncated and header_only.records == [] and header_only.title == "Nature"


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
        b"<body>Checking your browser</body></html>",
        b"<html><body><h1>403 Forbidden</h1></body></html>",
    ],
)
def test_html_challenge_page_is_a_clear_error(body: bytes) -> None:
    with pytest.raises(JournalFeedError, match="HTML page"):
        parse_journal_feed(body)


@pytest.mark.parametrize("body", [b"", b"   ", b"/etc/passwd", b"not xml at all"])
def test_nothing_usable_is_a_clear_error_and_never_a_file_read(body: bytes) -> None:
    with pytest.raises(JournalFeedError, match="not a feed"):
        parse_journal_feed(body)


# --- the torture corpus (FORMATS.md §8): what each document does -------------------------------


@dataclass(frozen=True)
class Parses:
    """The feed parses: its title, whether it was cut off, and (title, abstract start, url)."""

    title: str | None = None
    truncated: bool = False
    records: list[tuple[str, str | None, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Raises:
    match: str


TORTURE = {
    # cp1252 smart quote 0x92 inside a UTF-8 document: feedparser maps it to ’.
    "encoding/demoronize-1.xml": Parses(records=[("", "don’t", None)]),
    # "&#226;&#128;&#166;" is UTF-8 read as Latin-1: repaired to one "…".
    "encoding/double-encoded-html.xml": Parses(records=[("", "…", None)]),
    # Undeclared, invalid UTF-8 byte 0xA4 in CDATA: read as windows-1252 ("¤"), no crash.
    "encoding/bozo_encoding_mismatch_crash.xml": Parses(records=[("", "¤", None)]),
    # BOM then invalid UTF-8, cut off at "</rss": the title is kept, mojibake repaired.
    "encoding/bozo_invalid-bytes-with-bom.xml": Parses(
        title="Valid UTF8: ѨInvalid UTF8: España", truncated=True
    ),
    # Mojibake in CDATA with a stray byte: the valid UTF-8-as-Latin runs become ’ and ”.
    "encoding/bozo_linenoise.xml": Parses(records=[("", "’<>”Š", None)]),
    # UTF-16LE with a BOM, an empty channel: an empty feed.
    "encoding/utf-16le-bom.xml": Parses(),
    # &#8217; in a title, root never closed: the title survives, the document is marked cut off.
    "entities/8217.xml": Parses(title="testing ’ entity", truncated=True),
    # HTML named entity undefined in XML: the loose parser decodes it, nothing lost.
    "entities/aacute.xml": Parses(title="testing á entity"),
    # An Atom feed with only a link and no closing root: nothing usable.
    "entities/attr_amp.xml": Raises("unreadable feed"),
    # "<rss version="2.0"></rss": nothing usable.
    "illformed/aaa_illformed.xml": Raises("unreadable feed"),
    # KOI8-R without any encoding information: guessed, Cyrillic text.
    "illformed/chardet/koi8r.xml": Parses(
        records=[("Как пережить новогоднюю ночь", "Наверное, единственное, во что", None)]
    ),
    # iso-8859-7 weekday/month in the channel pubDate: parses; the date is not used.
    "illformed/http_high_bit_date.xml": Parses(),
    # Only a comment: not a feed.
    "illformed/rss_empty_document.xml": Raises("not a feed"),
    # CDATA cut off mid-token inside the only item: no infinite loop; the half item is dropped.
    "illformed/rss_incomplete_cdata.xml": Parses(
        title="can feedparser read this xml", truncated=True
    ),
    # Ill-formed document; "&amp;" in the link still gives "a=1&b=2".
    "illformed/rss_item_link_corrupted_ampersands.xml": Parses(
        truncated=True, records=[("", None, "http://link/get?a=1&b=2")]
    ),
    # Undeclared "itunes:" prefix and nothing else: nothing usable.
    "illformed/undeclared_namespace.xml": Raises("unreadable feed"),
}


@pytest.mark.parametrize(("fixture", "expected"), TORTURE.items(), ids=list(TORTURE))
def test_torture_fixture(fixture: str, expected: Parses | Raises) -> None:
    body = (FEEDS / "feedparser-tests" / fixture).read_bytes()
    if isinstance(expected, Raises):
        with pytest.raises(JournalFeedError, match=expected.match):
            parse_journal_feed(body)
        return
    feed = parse_journal_feed(body)
    assert (feed.title, feed.truncated) == (expected.title, expected.truncated)
    assert len(feed.records) == len(expected.records)
    for record, (title, abstract, url) in zip(feed.records, expected.records, strict=True):
        assert (record.title, record.url) == (title, url)
        assert (record.abstract or "")[: len(abstract or "")] == (abstract or "")
        assert (record.abstract is None) == (abstract is None)


def test_every_torture_fixture_is_covered() -> None:
    corpus = FEEDS / "feedparser-tests"
    on_disk = {
        str(path.relative_to(corpus))
        for folder in ("encoding", "entities", "illformed")
        for path in (corpus / folder).rglob("*.xml")
    }
    assert on_disk == set(TORTURE)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (FEEDS / "feedparser-tests" / "wellformed" / "sanitize").glob("*.xml")),
)
def test_xss_fixtures_through_the_parser_are_inert(name: str) -> None:
    feed = parse(f"feedparser-tests/wellformed/sanitize/{name}")
    for record in feed.records:
        assert_inert(record.abstract_html or "")
        assert "alert" not in (record.abstract or "") and "location" not in (record.abstract or "")


# --- through the dispatcher ------------------------------------------------------------------


def test_dispatcher_sends_journal_feeds_to_the_journal_parser() -> None:
    feed = parse_document("rss", (FEEDS / NATURE).read_bytes())
    assert feed.kind == "rss" and len(feed.records) == 3 and feed.title == "Nature"
    atom = parse_document("atom", (FEEDS / SHAPED / "plos-atom-2024-03-07.xml").read_bytes())
    assert atom.kind == "atom" and atom.records[0].doi == "10.1371/journal.pone.9999001"


def test_dispatcher_keeps_arxiv_documents_on_the_arxiv_parser() -> None:
    body = (FEEDS / "arxiv-rss" / "rss-cs.AI-2026-04-27-trimmed-3-items.xml").read_bytes()
    for kind in ("rss", "atom", "arxiv"):
        feed = parse_document(kind, body)
        assert feed.kind == "arxiv" and all(record.arxiv_id for record in feed.records)


def test_dispatcher_errors_are_clear() -> None:
    with pytest.raises(JournalFeedError, match="HTML page"):
        parse_document("rss", b"<html><body>Just a moment...</body></html>")
    with pytest.raises(UnsupportedDocumentError, match="JSON"):
        parse_document("rss", b'{"messages": []}')  # JSON is read for kind biorxiv only
    with pytest.raises(FeedParseError):
        parse_document("arxiv", b"<html><body>Just a moment...</body></html>")


# --- end to end: a journal feed polled over loopback HTTP into the database --------------------


def test_poll_stores_journal_papers_keyed_by_doi(
    engine, session_factory, loopback_server, fixture_bytes
) -> None:
    harness = Harness(engine, session_factory, loopback_server)
    try:
        loopback_server.add("/nature.rss", fixture_bytes(f"feeds/{NATURE}"))
        with transaction(session_factory) as session:
            source_id = add_source(
                session,
                loopback_server.url("/nature.rss"),
                kind="rss",
                label="my journal feed",  # the journal's own name wins
                every_minutes=60,
                now=NOW,
            ).id
        outcome = harness.poller.poll_source(source_id)
    finally:
        harness.client.close()
    assert outcome.status == "ok" and outcome.papers_new == 3
    with session_factory() as session:
        papers = {p.key: p for p in session.scalars(select(Paper))}
        paper = papers["doi:10.1038/s41586-099-00001-1"]
        byline = session.scalars(
            select(Author.name)
            .join(PaperAuthor, PaperAuthor.author_id == Author.id)
            .where(PaperAuthor.paper_id == paper.id)
            .order_by(PaperAuthor.position)
        ).all()
    assert set(papers) == {
        "doi:10.1038/s41586-099-00001-1",
        "doi:10.1038/d41586-099-00002-2",
        "doi:10.1038/s41586-099-00003-3",
    }
    assert paper.doi == "10.1038/s41586-099-00001-1" and paper.arxiv_id is None
    assert paper.source_label == "Nature" == parse(NATURE).title
    assert paper.published_on == date(2024, 3, 6)
    assert paper.abstract_html and "<i>Exemplaria fictiva</i>" in paper.abstract_html
    assert byline == ["A. Example", "B. Sample", "C. Placeholder"]
