"""arXiv parsers on the recorded documents: the facts the fixtures README states, asserted."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from app.ingest.arxiv import (
    FeedParseError,
    detect_kind,
    parse_arxiv_api,
    parse_arxiv_feed,
    split_arxiv_id,
)
from app.schemas import ParsedFeed
from tests.conftest import FIXTURES

RSS = FIXTURES / "feeds" / "arxiv-rss"
API = FIXTURES / "feeds" / "arxiv-api"


@pytest.fixture(scope="module")
def all_archives() -> ParsedFeed:
    return parse_arxiv_feed((RSS / "rss-all-archives-2024-11-28.xml").read_bytes())


def _by_id(feed: ParsedFeed, arxiv_id: str):
    return next(record for record in feed.records if record.arxiv_id == arxiv_id)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("oai:arXiv.org:2411.17700v1", ("2411.17700", 1)),
        ("http://arxiv.org/abs/2202.12139v1", ("2202.12139", 1)),
        ("https://arxiv.org/abs/2411.17700", ("2411.17700", None)),
        ("https://arxiv.org/pdf/2411.17700v3", ("2411.17700", 3)),
        ("arXiv:2411.17700v2", ("2411.17700", 2)),
        ("hep-ex/0307015v1", ("hep-ex/0307015", 1)),
        ("http://arxiv.org/abs/cs/0503050v1", ("cs/0503050", 1)),
        ("math.GT/0309136", ("math/0309136", None)),
        ("0704.0001", ("0704.0001", None)),
        ("2411.17700", ("2411.17700", None)),
    ],
)
def test_split_arxiv_id(value: str, expected: tuple[str, int | None]) -> None:
    assert split_arxiv_id(value) == expected


@pytest.mark.parametrize(
    "value",
    ["abc", "0808.05394", "1501.0001", "2413.00001", "10.1000/x", "2411.17700v0", "", "0000.0000"],
)
def test_split_arxiv_id_rejects_non_ids(value: str) -> None:
    with pytest.raises(ValueError, match="not an arXiv identifier"):
        split_arxiv_id(value)


def test_all_archives_counts(all_archives: ParsedFeed) -> None:
    assert len(all_archives.records) == 1504
    assert Counter(r.announce_type for r in all_archives.records) == {
        "new": 926,
        "replace": 569,
        "cross": 9,
    }
    assert not all_archives.truncated and all_archives.error is None
    assert all_archives.announced_on == date(2024, 11, 28)
    assert all_archives.skip_days == ["Saturday", "Sunday"]
    assert max(len(r.authors) for r in all_archives.records) == 207


def test_all_archives_first_item(all_archives: ParsedFeed) -> None:
    first = all_archives.records[0]
    assert (first.arxiv_id, first.version, first.announce_type) == ("2411.17700", 1, "new")
    assert first.guid == "oai:arXiv.org:2411.17700v1"
    assert first.url == "https://arxiv.org/abs/2411.17700"
    assert first.pdf_url == "https://arxiv.org/pdf/2411.17700"
    assert first.abstract.startswith("This study investigates the influence of generative")
    assert first.announced_on == date(2024, 11, 28)  # local date of "Thu, 28 Nov 2024 00:00 -0500"
    assert first.license == "http://creativecommons.org/licenses/by/4.0/"
    assert [a.name for a in first.authors] == ["Jun Cui"]


def test_all_archives_text_is_clean(all_archives: ParsedFeed) -> None:
    records = all_archives.records
    assert not [r.arxiv_id for r in records if r.abstract.startswith("arXiv:")]
    assert not [r.arxiv_id for r in records if "Announce Type" in r.abstract]
    names = {a.name for r in records for a in r.authors}
    assert {"Benjamin Rémy", "Przemysław Olbratowski", "Jarosław Żygierewicz"} <= names
    assert not [name for name in names if "\\" in name or "{" in name]
    titles = [r.title for r in records if "Preferences of Privacy" in r.title]
    assert titles and "Attributes & Preferences" in titles[0] and "\\" not in titles[0]


def test_all_archives_doi_and_versions(all_archives: ParsedFeed) -> None:
    dois = [r.doi for r in all_archives.records if r.doi]
    assert len(dois) == 111
    assert all(doi.startswith("10.") and " " not in doi for doi in dois)
    assert "10.3847/1538-4357/ad8659" in dois  # written twice, space-separated, in the feed
    replaced = [r for r in all_archives.records if r.announce_type == "replace"]
    assert all(r.version and r.version >= 2 for r in replaced)
    assert {r.version for r in all_archives.records} == {1, 2, 3, 4, 5}


def test_atom_truncated_keeps_complete_entries() -> None:
    feed = parse_arxiv_feed((RSS / "atom-cs.AI-2025-08-20-truncated-by-recorder.xml").read_bytes())
    assert feed.truncated is True
    assert len(feed.records) == 86
    assert feed.records[-1].arxiv_id == "2508.13434"  # 2508.13435 is the entry cut off mid-way
    assert Counter(r.announce_type for r in feed.records) == {"new": 41, "cross": 45}
    assert feed.records[0].categories == ["cs.AI", "cs.CL"]
    assert feed.announced_on == date(2025, 8, 20)


def test_rss_error_feed_is_an_error_without_records() -> None:
    feed = parse_arxiv_feed((RSS / "rss-error-bad-archive-2024-11-28.xml").read_bytes())
    assert feed.records == []
    assert feed.error is not None
    assert "http://rss.arxiv.org/rss/astroph" in feed.error
    assert "Valid archive names are: astro-ph" in feed.error


def test_rss_empty_feed_is_no_records_and_no_error() -> None:
    feed = parse_arxiv_feed((RSS / "rss-empty-test-archive-2024-11-28.xml").read_bytes())
    assert (feed.records, feed.error, feed.truncated) == ([], None, False)
    assert feed.announced_on == date(2024, 11, 28)


def test_api_new_backend() -> None:
    feed = parse_arxiv_api((API / "query-all-testing-start0-max100-2026-04-12.xml").read_bytes())
    assert len(feed.records) == 100 and feed.total_results == 214881
    first = feed.records[0]
    assert (first.arxiv_id, first.version) == ("2202.12139", 1)
    assert first.announce_type is None and first.announced_on is None
    old_style = {r.arxiv_id: r for r in feed.records if "/" in r.arxiv_id}
    assert {"cs/0503050", "hep-ph/0301050"} <= set(old_style)
    hep = old_style["hep-ph/0301050"]
    assert hep.version == 2
    assert hep.submitted_at == datetime(2003, 1, 8, 20, 15, 43, tzinfo=UTC)
    assert hep.updated_at == datetime(2003, 6, 30, 3, 20, 20, tzinfo=UTC)
    assert hep.doi == "10.1016/j.physletb.2003.08.045"
    assert sum(1 for r in feed.records if r.doi) == 32
    affiliated = [(a.name, a.affiliation) for r in feed.records for a in r.authors if a.affiliation]
    assert affiliated == [("Marie-Claude Gaudel", "LRI"), ("Pascale Le Gall", "IBISC")]


def test_api_legacy_backend_unwraps_text() -> None:
    feed = parse_arxiv_api(
        (API / "legacy-backend-query-cat-cs.RO-neural-max2-2025-10-17.xml").read_bytes()
    )
    first = feed.records[0]
    assert first.title == (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    )
    assert first.abstract.startswith("To tackle long-horizon tasks, recent hierarchical")
    assert "\n" not in first.abstract and "  " not in first.abstract
    assert first.comments.startswith("39th Conference on Neural Information Processing Systems")
    assert first.categories == ["cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY"]
    assert first.url == "https://arxiv.org/abs/2510.14968"
    assert feed.total_results == 5619


def test_api_old_style_id_and_error_and_empty() -> None:
    old = parse_arxiv_api((API / "idlist-old-style-astro-ph-0601001-2026-05-11.xml").read_bytes())
    assert [(r.arxiv_id, r.version) for r in old.records] == [("astro-ph/0601001", 1)]
    assert old.records[0].pdf_url == "https://arxiv.org/pdf/astro-ph/0601001"
    error = parse_arxiv_api((API / "error-400-bad-id-abc-2026-04-12.xml").read_bytes())
    assert error.error == "arXiv API error: incorrect id format for abc" and error.records == []
    empty = parse_arxiv_api((API / "empty-idlist-0000.0000-2026-04-12.xml").read_bytes())
    assert (empty.records, empty.error, empty.total_results) == ([], None, 0)


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\x01\x02 not xml at all", b"<html><body>Just a moment...", b"garbage <rss"],
)
def test_garbage_raises_feed_parse_error(body: bytes) -> None:
    with pytest.raises(FeedParseError):
        parse_arxiv_feed(body)
    with pytest.raises(FeedParseError):
        parse_arxiv_api(body)


def test_wrong_root_element_raises() -> None:
    with pytest.raises(FeedParseError, match="root element"):
        parse_arxiv_feed(b"<html><body><p>Access denied</p></body></html>")


def test_cut_before_any_entry_raises() -> None:
    head = (RSS / "rss-all-archives-2024-11-28.xml").read_bytes()[:1500]
    with pytest.raises(FeedParseError, match="no complete entry"):
        parse_arxiv_feed(head)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (RSS / "rss-all-archives-2024-11-28.xml", "arxiv"),
        (RSS / "atom-cs.AI-2025-08-20-truncated-by-recorder.xml", "arxiv"),
        (API / "legacy-backend-query-cat-cs.RO-neural-max2-2025-10-17.xml", "arxiv"),
    ],
)
def test_detect_kind_arxiv(path, expected: str) -> None:
    assert detect_kind(path.read_bytes()) == expected


def test_detect_kind_generic_feeds() -> None:
    rss = b'<?xml version="1.0"?>\n<!-- a <comment> -->\n<rss version="2.0"><channel/></rss>'
    rdf = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>'
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Journal</title></feed>'
    assert (detect_kind(rss), detect_kind(rdf), detect_kind(atom)) == ("rss", "rss", "atom")
    with pytest.raises(FeedParseError, match="not a feed"):
        detect_kind(b"<!DOCTYPE html><html></html>")
