"""Preprint ↔ journal article twins: one paper, both listings, both links, whichever comes first.

Only an equal DOI links them (arXiv's DOI field, bioRxiv's `published`); nothing else merges.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from app.config import Settings
from app.curation.items import get_paper
from app.db import transaction
from app.ingest.arxiv import parse_arxiv_feed
from app.ingest.sources import add_source
from app.ingest.store import upsert_papers
from app.models import Paper, PaperListing
from app.schemas import AuthorRecord, PaperRecord
from app.web import create_app
from tests.ingest.test_poll import Harness

NOW = datetime(2026, 9, 9, 6, 0, tzinfo=UTC)
DAY = date(2026, 9, 8)
JOURNAL_DOI = "10.1038/s41586-099-00001-1"
JOURNAL_URL = "https://www.nature.com/articles/s41586-099-00001-1"
BIORXIV_DOI = "10.1101/2026.09.01.000001"
BIORXIV_PAGE = "feeds/biorxiv/details-biorxiv-2026-09-07_09-category-cancer-biology.json"
BIORXIV_PATH = "/details/biorxiv/2026-09-07/2026-09-09"
NATURE_FEED = "feeds/publisher-shaped/nature-rdf-2024-03-06.xml"


def arxiv(arxiv_id="2609.00001", version=1, **fields) -> PaperRecord:
    values = {
        "arxiv_id": arxiv_id,
        "version": version,
        "title": f"Preprint title v{version}",
        "authors": [AuthorRecord(name="Ada Example")],
        "categories": ["q-bio.GN"],
        "announce_type": "new" if version == 1 else "replace",
        "announced_on": DAY,
        "url": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}",
    }
    return PaperRecord(**(values | fields))


def preprint(doi=BIORXIV_DOI, version=1, published=JOURNAL_DOI, **fields) -> PaperRecord:
    values = {
        "doi": doi,
        "version": version,
        "published_doi": published,
        "title": f"bioRxiv title v{version}",
        "authors": [AuthorRecord(name="A. Example"), AuthorRecord(name="B. Sample")],
        "categories": ["genomics"],
        "announce_type": "new",
        "announced_on": DAY,
        "url": f"https://www.biorxiv.org/content/{doi}v{version}",
        "pdf_url": f"https://www.biorxiv.org/content/{doi}v{version}.full.pdf",
        "source_label": "bioRxiv (Genomics)",
    }
    return PaperRecord(**(values | fields))


def journal(doi=JOURNAL_DOI, url=JOURNAL_URL, **fields) -> PaperRecord:
    values = {
        "doi": doi,
        "title": "Journal title",
        "abstract": "The journal's abstract.",
        "abstract_html": "<p>The journal's abstract.</p>",
        "authors": [AuthorRecord(name="A. Example")],
        "announced_on": date(2026, 9, 9),
        "url": url,
    }
    return PaperRecord(**(values | fields))


@pytest.fixture
def sources(session_factory) -> dict[str, int]:
    with transaction(session_factory) as session:
        made = {
            name: add_source(session, url, kind=kind, label=name, every_minutes=60, now=NOW).id
            for name, url, kind in (
                ("arxiv", "q-bio.GN", None),
                ("biorxiv", "biorxiv:genomics", None),
                ("nature", "https://www.nature.com/nature.rss", "rss"),
            )
        }
    return made


def store(session_factory, records, source_id, label="Nature"):
    with transaction(session_factory) as session:
        return upsert_papers(session, records, source_id=source_id, source_label=label, now=NOW)


def papers(session_factory) -> list[Paper]:
    with session_factory() as session:
        return list(session.scalars(select(Paper).order_by(Paper.id)))


def listing_sources(session_factory, paper_id: int) -> set[int]:
    with session_factory() as session:
        statement = select(PaperListing.source_id).where(PaperListing.paper_id == paper_id)
        return set(session.scalars(statement))


def public(session_factory, public_id: str):
    with session_factory() as session:
        return get_paper(session, public_id)


def test_arxiv_first_then_journal_attaches_a_listing_and_the_journal_link(session_factory, sources):
    store(session_factory, [arxiv(doi=JOURNAL_DOI)], sources["arxiv"], "arXiv")
    result = store(session_factory, [journal()], sources["nature"])
    assert result.papers_new == 0 and result.listings_new == 1
    (paper,) = papers(session_factory)
    assert paper.key == "arxiv:2609.00001" and paper.title == "Preprint title v1"
    assert paper.url == "https://arxiv.org/abs/2609.00001" and paper.journal_url == JOURNAL_URL
    assert paper.source_label == "arXiv (Q-BIO.GN)"
    assert listing_sources(session_factory, paper.id) == {sources["arxiv"], sources["nature"]}
    item = public(session_factory, f"doi:{JOURNAL_DOI}")
    assert item.id == "2609.00001" and item.journal_url == JOURNAL_URL and item.doi == JOURNAL_DOI


def test_journal_first_then_arxiv_takes_the_paper_over(session_factory, sources):
    store(session_factory, [journal()], sources["nature"])
    (before,) = papers(session_factory)
    assert before.key == f"doi:{JOURNAL_DOI}" and before.journal_url is None
    result = store(session_factory, [arxiv(doi=JOURNAL_DOI)], sources["arxiv"], "arXiv")
    assert result.papers_new == 0 and result.papers_updated == 1
    (paper,) = papers(session_factory)
    assert paper.id == before.id and paper.key == "arxiv:2609.00001"
    assert paper.arxiv_id == "2609.00001" and paper.doi == JOURNAL_DOI
    assert paper.url == "https://arxiv.org/abs/2609.00001" and paper.journal_url == JOURNAL_URL
    assert paper.source_label == "arXiv (Q-BIO.GN)" and paper.version == 1
    assert paper.abstract == "The journal's abstract." and paper.abstract_html  # none in arXiv's
    assert listing_sources(session_factory, paper.id) == {sources["arxiv"], sources["nature"]}
    assert public(session_factory, "2609.00001").journal_url == JOURNAL_URL
    assert public(session_factory, f"doi:{JOURNAL_DOI}").id == "2609.00001"


def test_biorxiv_first_then_journal_matches_on_published(session_factory, sources):
    store(session_factory, [preprint()], sources["biorxiv"], "bioRxiv")
    result = store(session_factory, [journal()], sources["nature"])
    assert result.papers_new == 0
    (paper,) = papers(session_factory)
    assert paper.key == f"doi:{BIORXIV_DOI}" and paper.doi == BIORXIV_DOI
    assert paper.journal_doi == JOURNAL_DOI and paper.journal_url == JOURNAL_URL
    assert paper.title == "bioRxiv title v1" and paper.source_label == "bioRxiv (Genomics)"
    assert listing_sources(session_factory, paper.id) == {sources["biorxiv"], sources["nature"]}
    item = public(session_factory, f"doi:{JOURNAL_DOI}")
    assert item.id == f"doi:{BIORXIV_DOI}" and item.url.startswith("https://www.biorxiv.org/")
    assert (item.journal_doi, item.journal_url) == (JOURNAL_DOI, JOURNAL_URL)


def test_journal_first_then_biorxiv_rekeys_the_paper(session_factory, sources):
    store(session_factory, [journal()], sources["nature"])
    (before,) = papers(session_factory)
    later = preprint(version=2, abstract="The preprint's abstract.")
    store(session_factory, [later], sources["biorxiv"], "bioRxiv")
    (paper,) = papers(session_factory)
    assert paper.id == before.id and paper.key == f"doi:{BIORXIV_DOI}"
    assert paper.doi == BIORXIV_DOI and paper.journal_doi == JOURNAL_DOI
    assert paper.url.endswith("v2") and paper.journal_url == JOURNAL_URL
    assert paper.version == 2 and paper.source_label == "bioRxiv (Genomics)"
    assert paper.abstract == "The preprint's abstract." and paper.abstract_html is None
    assert listing_sources(session_factory, paper.id) == {sources["biorxiv"], sources["nature"]}
    # The journal article's old public id still finds the paper under its new id.
    assert public(session_factory, f"doi:{JOURNAL_DOI}").id == f"doi:{BIORXIV_DOI}"
    # A later bioRxiv version updates in place and keeps the journal link.
    store(session_factory, [preprint(version=3)], sources["biorxiv"], "bioRxiv")
    (paper,) = papers(session_factory)
    assert paper.version == 3 and paper.journal_url == JOURNAL_URL


def test_newer_preprint_version_keeps_the_journal_link(session_factory, sources):
    store(session_factory, [arxiv(doi=JOURNAL_DOI)], sources["arxiv"], "arXiv")
    store(session_factory, [journal()], sources["nature"])
    store(session_factory, [arxiv(version=2, doi=JOURNAL_DOI)], sources["arxiv"], "arXiv")
    (paper,) = papers(session_factory)
    assert paper.version == 2 and paper.title == "Preprint title v2"
    assert paper.journal_url == JOURNAL_URL and paper.url == "https://arxiv.org/abs/2609.00001"


def test_no_merge_without_an_equal_doi(session_factory, sources):
    store(session_factory, [preprint(), arxiv(doi="10.1103/physrevd.99.000001")], sources["arxiv"])
    same_title = journal(doi=None, guid="nature-1", title="bioRxiv title v1")
    other_doi = journal(doi="10.1038/s41586-099-00003-3")
    store(session_factory, [same_title, other_doi], sources["nature"])
    assert len(papers(session_factory)) == 4
    assert all(p.journal_url is None for p in papers(session_factory))


def test_two_preprints_claiming_one_journal_doi_stay_two(session_factory, sources):
    store(session_factory, [preprint()], sources["biorxiv"], "bioRxiv")
    store(session_factory, [arxiv(doi=JOURNAL_DOI)], sources["arxiv"], "arXiv")
    assert len(papers(session_factory)) == 2
    store(session_factory, [journal()], sources["nature"])  # joins one of them, adds no paper
    assert len(papers(session_factory)) == 2
    assert sum(p.journal_url == JOURNAL_URL for p in papers(session_factory)) == 1


@pytest.mark.parametrize("journal_first", [False, True], ids=["arxiv-first", "journal-first"])
def test_an_arxiv_doi_list_matches_either_doi(session_factory, sources, journal_first):
    second = "10.1016/j.example.2026.000002"
    listed = arxiv(doi=JOURNAL_DOI, published_doi=second)
    order = [(journal(doi=second), "nature"), (listed, "arxiv")]
    for record, source in order if journal_first else order[::-1]:
        store(session_factory, [record], sources[source])
    (paper,) = papers(session_factory)
    assert (paper.key, paper.doi, paper.journal_doi) == ("arxiv:2609.00001", JOURNAL_DOI, second)
    assert paper.journal_url == JOURNAL_URL
    assert public(session_factory, f"doi:{second}").id == "2609.00001"
    store(session_factory, [journal(url="https://www.nature.com/x")], sources["nature"])
    assert len(papers(session_factory)) == 1  # the first DOI of the list finds it too


def test_arxiv_parser_keeps_both_dois_of_a_doi_list(fixture_bytes):
    document = fixture_bytes("feeds/arxiv-rss/rss-cs.AI-2026-04-27-trimmed-3-items.xml")
    doi_list = (
        b"<arxiv:DOI>10.1038/S41586-099-00001-1 https://doi.org/10.1016/j.x.2026.2</arxiv:DOI>"
    )
    twice = b"<arxiv:DOI>10.3847/1538-4357/ad8659 10.3847/1538-4357/ad8659</arxiv:DOI>"
    edited = document.replace(b"</item>", doi_list + b"</item>", 1)
    edited = edited.replace(b"</item>\n    <item>", b"</item>\n    <item>" + twice, 2)
    first, second, _ = parse_arxiv_feed(edited).records
    assert (first.doi, first.published_doi) == (JOURNAL_DOI, "10.1016/j.x.2026.2")
    assert (second.doi, second.published_doi) == ("10.3847/1538-4357/ad8659", None)


def test_twin_lookup_is_batched_per_document(engine, session_factory, sources):
    """The DOI lookup costs the same number of queries for 1 journal record as for 40."""

    def selects_for(records) -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "FROM papers" in statement:
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            store(session_factory, records, sources["nature"])
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    preprints = [arxiv(f"2609.{n:05d}", doi=f"10.1/a{n}") for n in range(41)]
    store(session_factory, preprints, sources["arxiv"], "arXiv")
    one = selects_for([journal(doi="10.1/a0", url="https://j.example/0")])
    many = selects_for(
        [journal(doi=f"10.1/a{n}", url=f"https://j.example/{n}") for n in range(1, 41)]
    )
    assert one == many == 2  # by key, then by DOI (own or journal version's)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 41
        assert session.scalar(select(func.count(Paper.journal_url))) == 41


# --- end to end: bioRxiv JSON and a journal feed over loopback HTTP, then the API and the page --


@pytest.mark.parametrize("journal_first", [False, True], ids=["biorxiv-first", "journal-first"])
def test_polled_twins_show_both_links(
    db_url, tmp_path, engine, session_factory, loopback_server, fixture_bytes, journal_first
):
    page = json.loads(fixture_bytes(BIORXIV_PAGE))
    row = dict(page["collection"][2], published=JOURNAL_DOI)  # hand-edited: see PROVENANCE.md
    page["collection"] = [row]
    page["messages"][0].update(count=1, total="1")
    loopback_server.add(f"{BIORXIV_PATH}/0/json", json.dumps(page).encode())
    loopback_server.add("/nature.rss", fixture_bytes(NATURE_FEED))
    harness = Harness(engine, session_factory, loopback_server)
    harness.poller.clock = lambda: NOW
    try:
        ids = {
            "biorxiv": harness.source(BIORXIV_PATH, kind="biorxiv"),
            "nature": harness.source("/nature.rss", kind="rss"),
        }
        for name in ["nature", "biorxiv"] if journal_first else ["biorxiv", "nature"]:
            assert harness.poller.poll_source(ids[name]).status == "ok"
    finally:
        harness.client.close()
    assert len(papers(session_factory)) == 3  # 1 twin + Nature's two other articles
    own_doi = row["doi"]
    app = create_app(Settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app) as client:
        item = client.get(f"/api/papers/doi:{JOURNAL_DOI}").json()
        assert item["id"] == f"doi:{own_doi}" and item["doi"] == own_doi
        assert item["url"] == f"https://www.biorxiv.org/content/{own_doi}v{row['version']}"
        assert (item["journal_doi"], item["journal_url"]) == (JOURNAL_DOI, JOURNAL_URL)
        assert sorted(item["sources"]) == sorted(ids.values())
        assert item["source_label"] == "bioRxiv (Cancer Biology)"
        html = client.get(f"/papers/doi:{own_doi}").text
    assert f'class="link-abs" href="{item["url"]}">bioRxiv<' in html
    assert f'class="link-journal" href="{JOURNAL_URL}">Journal version<' in html
    assert f'href="https://doi.org/{own_doi}"' in html
