"""The store's rules: one paper per key, versions only move forward, nothing is blanked or lost."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.ingest.sources import add_source
from app.ingest.store import StoredPaper, plan_paper_write, upsert_papers
from app.models import Author, Paper, PaperAuthor, PaperCategory, PaperListing
from app.schemas import AuthorRecord, PaperRecord

NOW = datetime(2024, 11, 28, 6, 0, tzinfo=UTC)
DAY = date(2024, 11, 28)


def record(arxiv_id="2411.17700", version=1, **fields) -> PaperRecord:
    values = {
        "arxiv_id": arxiv_id,
        "version": version,
        "title": f"Title v{version}",
        "abstract": f"Abstract v{version}",
        "authors": [AuthorRecord(name="Benjamin Rémy"), AuthorRecord(name="Zichen Liu")],
        "categories": ["cs.AI", "cs.LG"],
        "announce_type": "new",
        "announced_on": DAY,
        "url": f"https://arxiv.org/abs/{arxiv_id}",
    }
    values.update(fields)
    return PaperRecord(**values)


@pytest.fixture
def sources(session_factory) -> tuple[int, int]:
    with transaction(session_factory) as session:
        made = [
            add_source(session, label, kind="arxiv", label=label, every_minutes=60, now=NOW)
            for label in ("cs.AI", "cs.LG")
        ]
        return made[0].id, made[1].id


def store(session_factory, records, source_id, now=NOW):
    with transaction(session_factory) as session:
        return upsert_papers(session, records, source_id=source_id, source_label="arXiv", now=now)


def count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def paper(session_factory, arxiv_id="2411.17700") -> Paper:
    with session_factory() as session:
        return session.scalar(select(Paper).where(Paper.arxiv_id == arxiv_id))


def test_new_paper_with_authors_categories_and_listing(session_factory, sources):
    result = store(session_factory, [record()], sources[0])
    assert (result.papers_new, result.papers_updated, result.listings_new) == (1, 0, 1)
    stored = paper(session_factory)
    assert stored.version == 1 and stored.published_on == DAY
    assert stored.source_label == "arXiv (CS.AI)" and stored.primary_category == "cs.AI"
    with session_factory() as session:
        names = session.scalars(
            select(Author.name).join(PaperAuthor).order_by(PaperAuthor.position)
        ).all()
        cats = session.scalars(
            select(PaperCategory.category).order_by(PaperCategory.position)
        ).all()
    assert names == ["Benjamin Rémy", "Zichen Liu"]
    assert cats == ["cs.AI", "cs.LG"]


def test_same_document_twice_changes_nothing(session_factory, sources):
    store(session_factory, [record(), record("2411.00001")], sources[0])
    before = paper(session_factory).modified_at
    again = store(
        session_factory,
        [record(), record("2411.00001")],
        sources[0],
        now=datetime(2024, 11, 28, 9, tzinfo=UTC),
    )
    assert (again.papers_new, again.papers_updated, again.listings_new) == (0, 0, 0)
    assert count(session_factory, Paper) == 2 and count(session_factory, PaperListing) == 2
    assert paper(session_factory).modified_at == before


def test_cross_list_in_another_feed_adds_a_listing_not_a_paper(session_factory, sources):
    store(session_factory, [record()], sources[0])
    result = store(session_factory, [record(announce_type="cross")], sources[1])
    assert result.papers_new == 0 and result.listings_new == 1
    assert count(session_factory, Paper) == 1
    with session_factory() as session:
        listed = session.scalars(select(PaperListing.source_id).order_by(PaperListing.id)).all()
    assert listed == list(sources)


def test_replacement_updates_in_place_and_keeps_first_day(session_factory, sources):
    store(session_factory, [record()], sources[0])
    later = date(2024, 12, 3)
    result = store(
        session_factory,
        [
            record(
                version=2,
                announce_type="replace",
                announced_on=later,
                authors=[AuthorRecord(name="Zichen Liu")],
            )
        ],
        sources[0],
    )
    assert result.papers_updated == 1 and result.listings_new == 1
    stored = paper(session_factory)
    assert (stored.version, stored.title, stored.published_on) == (2, "Title v2", DAY)
    assert stored.announce_type == "replace"
    assert count(session_factory, PaperAuthor) == 1


def test_older_or_equal_version_never_overwrites(session_factory, sources):
    store(session_factory, [record(version=3)], sources[0])
    result = store(
        session_factory,
        [record(version=2, title="stale", announce_type="replace", announced_on=date(2024, 12, 2))],
        sources[1],
    )
    assert result.papers_updated == 0 and result.listings_new == 1
    stored = paper(session_factory)
    assert (stored.version, stored.title) == (3, "Title v3")


def test_missing_field_never_blanks_but_fills_blanks(session_factory, sources):
    store(session_factory, [record(doi="10.1/x", journal_ref="J. Foo 1")], sources[0])
    store(
        session_factory, [record(version=2, doi=None, journal_ref=None, abstract=None)], sources[0]
    )
    stored = paper(session_factory)
    assert (stored.doi, stored.journal_ref, stored.abstract) == (
        "10.1/x",
        "J. Foo 1",
        "Abstract v1",
    )
    store(session_factory, [record(version=2, comments="12 pages")], sources[1])
    assert paper(session_factory).comments == "12 pages"


def test_doi_match_is_the_same_paper(session_factory, sources):
    journal = PaperRecord(
        doi="10.1103/physrevd.1.1", guid="j-1", title="Journal version", announced_on=DAY
    )
    store(session_factory, [journal], sources[0])
    result = store(session_factory, [record(doi="10.1103/physrevd.1.1")], sources[1])
    assert result.papers_new == 0 and count(session_factory, Paper) == 1
    stored = paper(session_factory)
    assert stored.key == "arxiv:2411.17700" and stored.doi == "10.1103/physrevd.1.1"


def test_two_preprints_claiming_one_doi_stay_two(session_factory, sources):
    store(session_factory, [record("2411.00001", doi="10.1/same")], sources[0])
    store(session_factory, [record("2411.00002", doi="10.1/same")], sources[0])
    assert count(session_factory, Paper) == 2


def test_duplicates_inside_one_document_keep_the_newest(session_factory, sources):
    result = store(session_factory, [record(version=1), record(version=2)], sources[0])
    assert result.papers_new == 1 and paper(session_factory).version == 2


def test_author_match_key_joins_spellings(session_factory, sources):
    store(
        session_factory,
        [record("2411.00001", authors=[AuthorRecord(name="José Martínez-García")])],
        sources[0],
    )
    store(
        session_factory,
        [record("2411.00002", authors=[AuthorRecord(name="Jose Martinez Garcia")])],
        sources[0],
    )
    assert count(session_factory, Author) == 1


def test_crash_mid_document_leaves_database_as_before(session_factory, sources):
    store(session_factory, [record()], sources[0])
    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        upsert_papers(
            session,
            [record("2411.00009"), record(version=5)],
            source_id=sources[0],
            source_label="arXiv",
            now=NOW,
        )
        raise RuntimeError("crash after the upsert, before commit")
    assert count(session_factory, Paper) == 1 and paper(session_factory).version == 1


def test_plan_is_pure_and_fills_only_blanks_for_equal_versions():
    stored = StoredPaper(1, "2411.17700", None, 2, DAY, frozenset({"doi"}), "arxiv:2411.17700")
    plan = plan_paper_write(stored, record(version=2, doi="10.1/y", title="other"))
    assert plan == {"doi": "10.1/y"}
    newer = plan_paper_write(stored, record(version=3))
    assert newer["version"] == 3 and newer["title"] == "Title v3"


def test_a_new_listing_moves_the_papers_modified_time(session_factory, sources):
    store(session_factory, [record()], sources[0])
    later = datetime(2024, 11, 29, 6, tzinfo=UTC)
    store(session_factory, [record(announce_type="cross")], sources[1], now=later)
    assert paper(session_factory).modified_at == later
