"""`papers add`: arXiv ids through the API's id_list, DOIs through Crossref, over loopback HTTP."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.ingest.arxiv_api import id_list_url
from app.ingest.crossref import jats_to_html, parse_crossref_work, work_date
from app.ingest.fetch import make_client
from app.ingest.papers_add import (
    MANUAL_SOURCE_URL,
    PaperApis,
    add_papers,
    classify_target,
)
from app.ingest.ratelimit import HostLimiter
from app.models import Paper, PaperListing, Source

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SREP = "feeds/crossref/works-doi-10.1038_srep16696.json"
PLOS = "feeds/crossref/works-doi-10.1371_journal.pone.0033693.json"
CELL = "feeds/crossref/works-doi-10.1016_j.xgen.2025.100814-cellpress.json"
IEEE = "feeds/crossref/works-doi-10.1109_icdcsw.2003.1203662.json"
ONE_OF_TWO = "feeds/arxiv-api/idlist-one-invalid-one-valid-2026-04-12.xml"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("2411.17700", ("arxiv", "2411.17700")),
        ("arXiv:2411.17700v2", ("arxiv", "2411.17700v2")),
        ("https://arxiv.org/abs/hep-th/9901001", ("arxiv", "hep-th/9901001")),
        ("10.1038/srep16696", ("doi", "10.1038/srep16696")),
        ("https://doi.org/10.1371/JOURNAL.PONE.0033693", ("doi", "10.1371/journal.pone.0033693")),
        ("doi:10.48550/arXiv.2411.17700", ("arxiv", "2411.17700")),
    ],
)
def test_targets_are_told_apart(target, expected):
    assert classify_target(target) == expected


def test_a_target_that_is_neither_is_an_error():
    with pytest.raises(ValueError, match="neither an arXiv id nor a DOI"):
        classify_target("not-an-id")


def test_crossref_work_with_a_jats_abstract(fixture_bytes):
    record, journal = parse_crossref_work(fixture_bytes(SREP))
    assert journal == "Scientific Reports"
    assert record.doi == "10.1038/srep16696"
    assert record.title.startswith("Single-molecule FRET studies on alpha-synuclein")
    assert record.authors[0].name == "Laura Tosatto" and len(record.authors) > 5
    assert record.announced_on == date(2015, 11, 19)
    assert record.pdf_url == "https://www.nature.com/articles/srep16696.pdf"
    assert record.url == "https://doi.org/10.1038/srep16696"
    assert record.license == "https://creativecommons.org/licenses/by/4.0"
    assert record.abstract.startswith("Oligomers of alpha-synuclein are toxic")
    assert "jats" not in record.abstract and "Abstract" not in record.abstract[:20]
    assert record.abstract_html.startswith("<p>Oligomers") and "jats" not in record.abstract_html


def test_crossref_partial_and_missing_dates(fixture_bytes):
    cell, journal = parse_crossref_work(fixture_bytes(CELL))
    assert journal == "Cell Genomics" and cell.announced_on == date(2025, 4, 1)
    assert cell.abstract is None and cell.pdf_url is None  # text-mining XML is not a PDF
    ieee, _ = parse_crossref_work(fixture_bytes(IEEE))
    assert ieee.announced_on is None  # `issued` is [[null]]
    assert work_date({"issued": {"date-parts": [[2003]]}}) == date(2003, 1, 1)


def test_jats_markup_becomes_sanitized_html():
    jats = (
        "<jats:title>Abstract</jats:title><jats:sec><jats:title>Background</jats:title>"
        "<jats:p>CO<jats:sub>2</jats:sub> at 10<jats:sup>4</jats:sup> "
        '<jats:italic>in vivo</jats:italic><jats:xref ref-type="bibr">1</jats:xref>'
        "<script>alert(1)</script></jats:p></jats:sec>"
    )
    assert jats_to_html(jats) == (
        "<div><h3>Background</h3><p>CO<sub>2</sub> at 10<sup>4</sup> <i>in vivo</i>1</p></div>"
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def apis(loopback_server, fixture_bytes):
    api = loopback_server.url("/api/query")
    loopback_server.add(
        _path(id_list_url(api, ["1707.08567", "2401.00001"])), fixture_bytes(ONE_OF_TWO)
    )
    loopback_server.add("/works/10.1038/srep16696", fixture_bytes(SREP))
    loopback_server.add("/works/10.1371/journal.pone.0033693", fixture_bytes(PLOS))
    loopback_server.add("/works/10.9999/missing", b"Resource not found.", status=404)
    return PaperApis(
        arxiv_api_url=api,
        crossref_api_url=loopback_server.url("/works"),
        sleep=lambda _seconds: None,
    )


def test_add_papers_stores_the_found_and_reports_the_missing(session_factory, apis):
    limiter = HostLimiter(session_factory, clock=lambda: NOW, sleep=lambda _s: None)
    targets = ["1707.08567", "10.1038/srep16696", "2401.00001", "10.9999/missing", "junk"]
    with make_client("test") as client:
        outcomes = add_papers(session_factory, client, limiter, targets, now=NOW, apis=apis)
    by_target = {o.target: o for o in outcomes}
    assert [o.target for o in outcomes] == targets
    assert by_target["1707.08567"].paper_id == "1707.08567"
    assert by_target["10.1038/srep16696"].paper_id == "doi:10.1038/srep16696"
    assert "not found on arXiv" in by_target["2401.00001"].error
    assert "not found in Crossref" in by_target["10.9999/missing"].error
    assert "neither" in by_target["junk"].error
    with session_factory() as session:
        papers = dict(session.execute(select(Paper.key, Paper.source_label)).all())
        listings = session.execute(
            select(Source.url, Source.enabled, PaperListing.origin).join(PaperListing)
        ).all()
    assert papers == {
        "arxiv:1707.08567": "arXiv (CS.IT)",
        "doi:10.1038/srep16696": "Scientific Reports",
    }
    assert set(listings) == {(MANUAL_SOURCE_URL, False, "manual")}


def test_papers_add_command(session_factory, apis, db_url, monkeypatch, capsys, tmp_path):
    from app.cli import main
    from app.config import get_settings
    from app.db import upgrade_schema

    upgrade_schema(db_url)
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", db_url)
    monkeypatch.setenv("ACADEMICHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACADEMICHUB_ARXIV_API_URL", apis.arxiv_api_url)
    monkeypatch.setenv("ACADEMICHUB_CROSSREF_API_URL", apis.crossref_api_url)
    get_settings.cache_clear()
    try:
        status = main(
            ["papers", "add", "10.1371/journal.pone.0033693", "10.9999/missing", "--json"]
        )
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    assert status == 1
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "10.9999/missing was not found in Crossref" in errors[0]
    assert "added doi:10.1371/journal.pone.0033693" in captured.err
    [added, missing] = json.loads(captured.out)
    assert added["paper_id"] == "doi:10.1371/journal.pone.0033693" and missing["error"]
    with session_factory() as session:
        assert session.scalar(select(Paper.source_label)) == "PLoS ONE"


def test_arxiv_ids_go_in_batches_of_100_three_seconds_apart(
    session_factory, loopback_server, fixture_bytes
):
    from datetime import timedelta

    now = [NOW]

    def sleep(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds)

    loopback_server.clock = lambda: now[0].timestamp()
    api = loopback_server.url("/api/query")
    ids = [f"2401.{n:05d}" for n in range(1, 102)]
    empty = fixture_bytes("feeds/arxiv-api/empty-idlist-0000.0000-2026-04-12.xml")
    loopback_server.add(_path(id_list_url(api, ids[:100])), empty)
    loopback_server.add(_path(id_list_url(api, ids[100:])), empty)
    limiter = HostLimiter(session_factory, clock=lambda: now[0], sleep=sleep)
    with make_client("test") as client:
        outcomes = add_papers(
            session_factory,
            client,
            limiter,
            ids,
            now=NOW,
            apis=PaperApis(arxiv_api_url=api, sleep=sleep),
        )
    assert all("not found on arXiv" in o.error for o in outcomes) and len(outcomes) == 101
    loopback_server.wait_idle()
    first, second = loopback_server.requests
    assert "max_results=100" in first.path and "max_results=1" in second.path
    assert second.timestamp - first.timestamp >= 3.0
