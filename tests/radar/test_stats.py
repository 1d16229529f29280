"""Term statistics: the pure table, and the stored build readers use (both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.curation.days import data_version
from app.db import transaction
from app.models import TermStatistics
from app.radar.stats import (
    MIN_SAMPLE_DOCS,
    build_stats,
    count_documents,
    stats_from_json,
    stats_to_json,
)
from app.radar.stats_store import (
    current_stats,
    rebuild_term_statistics,
    refresh_term_statistics,
    sample_paper_ids,
)
from tests.curation.seeding import record
from tests.radar.people import NOW

TEXTS = [
    "Quantum error correction with surface codes.",
    "Surface codes and quantum memories.",
    "Graph neural networks for molecules.",
    "Quantum graph states.",
]


def test_document_frequencies_count_papers_not_occurrences():
    docs, documents = count_documents([*TEXTS, "Quantum quantum quantum."])
    assert documents == 5
    assert docs["quantum"] == 4
    assert docs["surface code"] == 2


def test_rare_terms_are_not_stored_but_read_as_rarest():
    docs, documents = count_documents(TEXTS)
    stats = build_stats(docs, documents, key="k")
    assert all(count >= MIN_SAMPLE_DOCS for count in stats.docs.values())
    assert "molecule" not in stats.docs  # seen once
    assert (
        stats.idf("molecule")
        == stats.idf("never-seen")
        > stats.idf("surface")
        > stats.idf("quantum")
    )
    assert stats.share("quantum") == 3 / 4


def test_stats_round_trip_through_json():
    docs, documents = count_documents(TEXTS)
    stats = build_stats(docs, documents, key="k")
    again = stats_from_json(stats_to_json(stats), key="k")
    assert again == stats


def _store(seeder, count: int, start: int = 1) -> list[int]:
    records = [
        record(f"2411.{n:05d}", f"Paper about topic {n % 3}", f"Words quantum {n % 5} codes.")
        for n in range(start, start + count)
    ]
    return seeder.store(records)


def test_the_sample_takes_the_newest_half_and_spreads_the_rest(session_factory, seeder):
    ids = _store(seeder, 40)
    with session_factory() as session:
        sample = sample_paper_ids(session, 10)
    assert len(sample) == len(set(sample)) == 10
    assert sorted(ids)[-5:] == sample[-5:]  # the newest half
    spread = sample[:5]
    assert min(spread) == min(ids) and max(spread) < sorted(ids)[-5]


def test_a_stored_build_is_what_readers_use(session_factory, seeder):
    _store(seeder, 12)
    with session_factory() as session:
        assert current_stats(session).key.startswith("computed:")  # before any build
    with transaction(session_factory) as session:
        build = rebuild_term_statistics(session, now=NOW)
    assert build.documents == 12 and build.corpus_papers == 12 and build.terms > 0
    with session_factory() as session:
        stats = current_stats(session)
        assert stats.key == f"stored:{build.stats_id}"
        assert stats.documents == 12 and stats.docs["quantum"] == 12


def test_a_build_is_refreshed_when_the_corpus_grows_or_ages(session_factory, seeder):
    with transaction(session_factory) as session:
        assert refresh_term_statistics(session, now=NOW) is None  # no papers: nothing to do
    _store(seeder, 20)
    with transaction(session_factory) as session:
        first = refresh_term_statistics(session, now=NOW)
    assert first is not None
    with transaction(session_factory) as session:
        assert refresh_term_statistics(session, now=NOW + timedelta(days=30)) is None  # no news
    _store(seeder, 1, start=100)  # +5%: not yet
    with transaction(session_factory) as session:
        assert refresh_term_statistics(session, now=NOW + timedelta(hours=1)) is None
        aged = refresh_term_statistics(session, now=NOW + timedelta(days=8))
    assert aged is not None and aged.stats_id > first.stats_id
    _store(seeder, 3, start=200)  # +14%
    with transaction(session_factory) as session:
        grown = refresh_term_statistics(session, now=NOW + timedelta(days=8, hours=1))
    assert grown is not None and grown.corpus_papers == 24
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(TermStatistics)) == 1


def test_the_data_version_moves_when_the_statistics_are_rebuilt(session_factory, seeder):
    _store(seeder, 5)
    with session_factory() as session:
        before = data_version(session)
    with transaction(session_factory) as session:
        rebuild_term_statistics(session, now=NOW)
    with session_factory() as session:
        assert data_version(session) != before  # paper pages' similar papers may have changed
