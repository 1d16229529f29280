"""bioRxiv / medRxiv details API: the parser, source URLs, and cursor paging over loopback HTTP.

The recorded page (18 rows) is split at test time into cursor pages of 7, 7 and 4 rows with
rewritten `messages` (tests/fixtures/feeds/PROVENANCE.md says how), so paging, versions and the
failure modes run through the real poller, fetcher, parser and store.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.ingest import biorxiv
from app.ingest.documents import parse_document
from app.ingest.sources import SourceError, add_source, resolve_source
from app.models import Author, Paper, PaperAuthor, PaperListing, PollRun
from tests.ingest.test_poll import Harness
from tests.support.loopback import Response

RECORDED = "feeds/biorxiv/details-biorxiv-2026-09-07_09-category-cancer-biology.json"
EMPTY = "feeds/biorxiv/details-empty-interval-handwritten.json"
POLL_DAY = datetime(2026, 9, 9, 12, 0, tzinfo=UTC)
INTERVAL = "/details/biorxiv/2026-09-07/2026-09-09"
QUERY = "?category=cancer_biology"


def recorded(fixture_bytes) -> dict:
    return json.loads(fixture_bytes(RECORDED))


def split_pages(document: dict, size: int) -> list[bytes]:
    """The recorded interval as cursor pages of `size` rows, each with its own messages[0]."""
    rows = document["collection"]
    pages = []
    for cursor in range(0, len(rows), size):
        chunk = rows[cursor : cursor + size]
        message = dict(document["messages"][0], cursor=cursor, count=len(chunk))
        message["total"] = str(len(rows))  # the API sends `total` as a string
        pages.append(json.dumps({"messages": [message], "collection": chunk}).encode())
    return pages


def page_path(cursor: int) -> str:
    return f"{INTERVAL}/{cursor}/json{QUERY}"


@pytest.fixture
def harness(engine, session_factory, loopback_server):
    h = Harness(engine, session_factory, loopback_server)
    h.poller.clock = lambda: POLL_DAY
    yield h
    h.client.close()


def add_biorxiv(harness: Harness, path: str = INTERVAL + QUERY) -> int:
    with transaction(harness.sessions) as session:
        return add_source(
            session,
            harness.server.url(path),
            kind="biorxiv",
            label=None,
            every_minutes=360,
            now=POLL_DAY,
        ).id


def serve_pages(server, pages: list[bytes]) -> None:
    for index, body in enumerate(pages):
        server.add(page_path(index * 7), body)


# --- the parser ---------------------------------------------------------------------------------


def test_recorded_page_parses_every_row(fixture_bytes):
    feed = parse_document("biorxiv", fixture_bytes(RECORDED))
    assert feed.kind == "biorxiv" and feed.error is None and feed.next_cursor is None
    assert len(feed.records) == 18
    first = feed.records[0]
    assert first.doi == "10.64898/2026.04.19.716936" and first.version == 2
    assert first.announce_type == "replace" and first.announced_on == date(2026, 9, 7)
    assert [a.name for a in first.authors] == ["M. Dehghan Manshadi", "P. Setoodeh", "H. Zare"]
    assert first.categories == ["cancer biology"]
    assert first.source_label == "bioRxiv (Cancer Biology)"
    assert first.url == "https://www.biorxiv.org/content/10.64898/2026.04.19.716936v2"
    assert first.pdf_url == first.url + ".full.pdf"
    assert first.license == "cc_by_nc_nd" and first.published_doi is None
    assert first.canonical_key == "doi:10.64898/2026.04.19.716936" and not first.is_preprint
    assert sorted({r.version for r in feed.records}) == [1, 2, 3]
    assert sum(r.announce_type == "new" for r in feed.records) == 15
    assert all(r.abstract and r.title for r in feed.records)


def test_published_field_links_the_journal_doi_and_medrxiv_links(fixture_bytes):
    row = copy.deepcopy(recorded(fixture_bytes)["collection"][1])
    row.update(published="10.1038/S41586-099-00001-1", server="medRxiv", version="1")
    body = json.dumps(
        {"messages": [{"status": "ok", "count": 1, "total": "1"}], "collection": [row]}
    )
    (record,) = biorxiv.parse_details(body.encode()).records
    assert record.published_doi == "10.1038/s41586-099-00001-1" and record.is_preprint
    assert record.twin_dois == [record.doi, "10.1038/s41586-099-00001-1"]
    assert record.url.startswith("https://www.medrxiv.org/content/10.")
    assert record.source_label.startswith("medRxiv (")


def test_authors_split_on_semicolons_keeping_particles_and_hyphenated_initials():
    names = [a.name for a in biorxiv.split_authors("Zhao, Y.-Y.; de Farias, C. B.; Consortium X")]
    assert names == ["Y.-Y. Zhao", "C. B. de Farias", "Consortium X"]


def test_cursor_advances_by_count_until_total(fixture_bytes):
    pages = [biorxiv.parse_details(body) for body in split_pages(recorded(fixture_bytes), 7)]
    assert [page.next_cursor for page in pages] == [7, 14, None]
    assert [len(page.records) for page in pages] == [7, 7, 4]


@pytest.mark.parametrize(
    "body",
    [b'{"messages": [{"status": "ok", "cursor": 0', b"<html>Just a moment...</html>", b"[1, 2]"],
    ids=["cut-off", "html", "not-the-api"],
)
def test_broken_json_is_an_error_not_an_empty_page(body):
    with pytest.raises(biorxiv.BiorxivParseError):
        biorxiv.parse_details(body)


def test_empty_interval_and_api_errors(fixture_bytes):
    empty = biorxiv.parse_details(fixture_bytes(EMPTY))
    assert empty.records == [] and empty.error is None and empty.next_cursor is None
    refused = biorxiv.parse_details(b'{"messages": [{"status": "interval not valid"}]}')
    assert refused.error == "bioRxiv API: interval not valid"


# --- source URLs --------------------------------------------------------------------------------


def test_short_forms_and_urls_resolve_to_biorxiv_sources():
    assert resolve_source("biorxiv:cancer-biology", None) == (
        "https://api.biorxiv.org/details/biorxiv/7d?category=cancer_biology",
        "biorxiv",
    )
    assert resolve_source("medrxiv", None) == (
        "https://api.biorxiv.org/details/medrxiv/7d",
        "biorxiv",
    )
    url = "https://api.biorxiv.org/details/biorxiv/2026-09-07/2026-09-09?category=cancer_biology"
    assert resolve_source(url, None) == (url, "biorxiv")
    with pytest.raises(SourceError, match="not a details query"):
        resolve_source("https://api.biorxiv.org/details/biorxiv/10.1101/339747/na/json", None)
    assert resolve_source("https://connect.biorxiv.org/biorxiv_xml/genomics", None)[1] == "rss"


def test_page_urls_for_fixed_and_rolling_intervals():
    fixed = biorxiv.read_source_url(
        "https://api.biorxiv.org/details/biorxiv/2026-09-07/2026-09-09/0/json?category=Cancer%20Biology"
    )
    assert fixed.page_url(date(2030, 1, 1), 100) == (
        "https://api.biorxiv.org/details/biorxiv/2026-09-07/2026-09-09/100/json"
        "?category=cancer_biology"
    )
    rolling = biorxiv.read_source_url("http://127.0.0.1:8080/details/medrxiv/3d")
    assert rolling.page_url(date(2026, 9, 9), 0) == (
        "http://127.0.0.1:8080/details/medrxiv/2026-09-06/2026-09-09/0/json"
    )
    assert biorxiv.source_label(biorxiv.short_form_url("medrxiv:genetic and genomic medicine")) == (
        "medRxiv (Genetic and Genomic Medicine)"
    )


def test_sources_add_by_short_form_labels_it(session_factory):
    with transaction(session_factory) as session:
        source = add_source(
            session,
            "biorxiv:cancer biology",
            kind=None,
            label=None,
            every_minutes=360,
            now=POLL_DAY,
        )
        assert (source.kind, source.label) == ("biorxiv", "bioRxiv (Cancer Biology)")


# --- polling over loopback HTTP ----------------------------------------------------------------


def test_poll_follows_the_cursor_through_every_page(harness, fixture_bytes):
    serve_pages(harness.server, split_pages(recorded(fixture_bytes), 7))
    source_id = add_biorxiv(harness)
    outcome = harness.poller.poll_source(source_id)
    assert outcome.status == "ok", outcome.error
    assert outcome.entries_seen == outcome.papers_new == harness.count(Paper) == 18
    assert [r.path for r in harness.server.requests] == [page_path(c) for c in (0, 7, 14)]
    with harness.sessions() as session:
        paper = session.scalar(select(Paper).where(Paper.key == "doi:10.64898/2026.04.19.716936"))
        byline = session.scalars(
            select(Author.name)
            .join(PaperAuthor, PaperAuthor.author_id == Author.id)
            .where(PaperAuthor.paper_id == paper.id)
            .order_by(PaperAuthor.position)
        ).all()
        listing = session.scalar(select(PaperListing).where(PaperListing.paper_id == paper.id))
    assert paper.version == 2 and paper.source_label == "bioRxiv (Cancer Biology)"
    assert paper.published_on == date(2026, 9, 7) and paper.journal_doi is None
    assert byline == ["M. Dehghan Manshadi", "P. Setoodeh", "H. Zare"]
    assert (listing.source_id, listing.listed_on, listing.version) == (
        source_id,
        date(2026, 9, 7),
        2,
    )
    again = harness.poller.poll_source(source_id)
    assert again.status == "unchanged" and harness.count(Paper) == 18


def test_rolling_window_is_counted_from_the_injected_clock(harness, fixture_bytes):
    (body,) = split_pages(recorded(fixture_bytes), 100)
    harness.server.add(page_path(0), body)
    source_id = add_biorxiv(harness, "/details/biorxiv/2d" + QUERY)
    assert harness.poller.poll_source(source_id).papers_new == 18
    assert harness.server.requests[0].path == page_path(0)  # 2026-09-07 … 2026-09-09


def test_versions_of_one_doi_keep_the_newest(harness, fixture_bytes):
    document = recorded(fixture_bytes)
    v2 = document["collection"][0]
    v1 = dict(v2, version="1", date="2026-04-20", title="Old title v1", published="NA")
    document["collection"].append(v1)  # lands on the last page, after v2
    serve_pages(harness.server, split_pages(document, 7))
    outcome = harness.poller.poll_source(add_biorxiv(harness))
    assert outcome.status == "ok" and harness.count(Paper) == 18
    with harness.sessions() as session:
        paper = session.scalar(select(Paper).where(Paper.doi == v2["doi"]))
    assert paper.version == 2 and paper.title == v2["title"]
    assert paper.url.endswith("v2")


def test_retry_after_503_on_a_later_page_is_waited_out(harness, fixture_bytes):
    pages = split_pages(recorded(fixture_bytes), 7)
    serve_pages(harness.server, pages)
    harness.server.add_sequence(
        page_path(7),
        [Response(status=503, headers={"Retry-After": "4"}), Response(body=pages[1])],
    )
    outcome = harness.poller.poll_source(add_biorxiv(harness))
    assert outcome.status == "ok" and outcome.papers_new == 18
    assert harness.sleeps == [4.0]
    assert [r.path for r in harness.server.requests].count(page_path(7)) == 2


def test_429_that_outlasts_the_retries_stores_nothing_and_waits(harness, fixture_bytes):
    pages = split_pages(recorded(fixture_bytes), 7)
    serve_pages(harness.server, pages)
    harness.server.add(page_path(14), status=429, headers={"Retry-After": "900"})
    source_id = add_biorxiv(harness)
    outcome = harness.poller.poll_source(source_id)
    assert outcome.status == "error" and outcome.http_status == 429
    assert "Retry-After 900" in outcome.error
    assert harness.count(Paper) == 0  # pages 1 and 2 are not half-stored
    row = harness.row(source_id)
    assert row.failures == 1 and row.next_poll_at >= POLL_DAY + timedelta(seconds=900)
    assert harness.sleeps == []  # a wait past the fetcher's cap is left to the schedule


def test_broken_json_page_fails_the_poll_clearly(harness, fixture_bytes):
    pages = split_pages(recorded(fixture_bytes), 7)
    serve_pages(harness.server, pages)
    harness.server.add(page_path(7), pages[1][: len(pages[1]) // 2])
    source_id = add_biorxiv(harness)
    outcome = harness.poller.poll_source(source_id)
    assert outcome.status == "error" and "broken bioRxiv JSON" in outcome.error
    assert harness.count(Paper) == 0 and harness.row(source_id).status == "error"


def test_empty_interval_is_a_quiet_success(harness, fixture_bytes):
    harness.server.add(page_path(0), fixture_bytes(EMPTY))
    source_id = add_biorxiv(harness)
    outcome = harness.poller.poll_source(source_id)
    assert outcome.status == "ok" and outcome.entries_seen == 0
    assert harness.count(Paper) == 0 and len(harness.server.requests) == 1
    with harness.sessions() as session:
        run = session.scalar(select(PollRun).where(PollRun.source_id == source_id))
        assert run.status == "ok" and run.entries_seen == 0
        assert session.scalar(select(func.count()).select_from(PaperListing)) == 0


def test_cli_adds_a_biorxiv_subject_and_lists_it(db_url, engine, tmp_path, monkeypatch, capsys):
    from app.cli import main

    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", db_url)
    monkeypatch.setenv("ACADEMICHUB_DATA_DIR", str(tmp_path / "data"))
    assert main(["sources", "add", "medrxiv:infectious diseases", "--every", "720"]) == 0
    capsys.readouterr()
    assert main(["sources", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["kind"] == "biorxiv" and listed["label"] == "medRxiv (Infectious Diseases)"
    assert listed["url"] == (
        "https://api.biorxiv.org/details/medrxiv/7d?category=infectious_diseases"
    )
    assert main(["sources", "add", "https://api.biorxiv.org/details/biorxiv/na"]) == 1
    assert capsys.readouterr().err.startswith("error: ")
