"""The paths large collections take (index walks, probing, estimates), reached with small data by
lowering the size thresholds: each must give what the small-set path gives."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import search
from app.curation import selection, shuffle
from app.curation.daily import PaperFilters, list_papers
from app.curation.shuffle import draw_order, permutation_for
from app.db import is_postgres
from app.models import Paper
from app.search import count_search_matches, estimated_rows, matching_ids, parse_search
from tests.curation.seeding import record


@pytest.fixture
def collection(seeder) -> dict[str, list[int]]:
    """120 papers: every third in cs.LG, every other one about graphs."""
    records = [
        record(
            f"2601.{n:05d}",
            "Graph methods" if n % 2 else "Other methods",
            categories=["cs.LG"] if n % 3 == 0 else ["cs.AI"],
        )
        for n in range(1, 121)
    ]
    ids = seeder.store(records)
    return {
        "all": ids,
        "lg": [i for n, i in enumerate(ids, 1) if n % 3 == 0],
        "graph": [i for n, i in enumerate(ids, 1) if n % 2],
    }


@pytest.fixture
def large(monkeypatch):
    """Make every set "large": no filter drives, totals above 10 are estimated."""
    monkeypatch.setattr(selection, "SMALL_SET", 0)
    monkeypatch.setattr(selection, "EXACT_COUNT_LIMIT", 10)
    monkeypatch.setattr(selection, "SAMPLE_SIZE", 60)


def listing(session_factory, page_size=200, **filters):
    with session_factory() as session:
        page = list_papers(session, PaperFilters(**filters), page_size=page_size, ranked_limit=5)
        keys = {key: id_ for key, id_ in session.execute(select(Paper.arxiv_id, Paper.id))}
    return [keys[item.id] for item in page.items], page


def test_walks_give_what_fetches_give(session_factory, collection, monkeypatch):
    small = {
        name: listing(session_factory, **filters)[0]
        for name, filters in {
            "lg": {"categories": ("cs.LG",)},
            "lg graph": {"categories": ("cs.LG",), "q": "graph"},
            "lg shuffle": {"categories": ("cs.LG",), "shuffle": 9},
            "lg graph shuffle": {"categories": ("cs.LG",), "q": "graph", "shuffle": 9},
        }.items()
    }
    monkeypatch.setattr(selection, "SMALL_SET", 0)
    assert listing(session_factory, categories=("cs.LG",))[0] == small["lg"]
    assert listing(session_factory, categories=("cs.LG",), q="graph")[0] == small["lg graph"]
    for name, q in (("lg shuffle", None), ("lg graph shuffle", "graph")):
        walked = listing(session_factory, categories=("cs.LG",), q=q, shuffle=9)[0]
        assert walked == small[name]
    assert small["lg"] == sorted(collection["lg"], reverse=True)  # same day: newest id first
    expected = draw_order(permutation_for(9, max(collection["all"])), collection["lg"], 200)
    assert small["lg shuffle"] == expected


def test_a_sparse_set_is_fetched_once_probing_finds_too_little(
    session_factory, collection, monkeypatch
):
    drawn = listing(session_factory, categories=("cs.LG",), q="graph", shuffle=4)[0]
    monkeypatch.setattr(selection, "SMALL_SET", 0)
    monkeypatch.setattr(shuffle, "PROBE_BUDGET", 64)
    assert listing(session_factory, categories=("cs.LG",), q="graph", shuffle=4)[0] == drawn
    assert sorted(drawn) == sorted(set(collection["lg"]) & set(collection["graph"]))


def test_common_queries_and_estimates(session_factory, collection, large):
    ids, page = listing(session_factory, q="graph")
    assert ids == sorted(collection["graph"], reverse=True)  # common: newest stored first
    # FTS5 counts exactly and cheaply; PostgreSQL estimates (planner, else a sample).
    assert page.total == 60 if not page.total_is_estimate else 30 <= page.total <= 120
    ids, page = listing(session_factory, categories=("cs.LG",))
    assert page.total_is_estimate and 11 <= page.total <= 120
    assert ids == sorted(collection["lg"], reverse=True)
    ids, page = listing(session_factory, page_size=7, shuffle=3)
    assert page.total_is_estimate and page.has_next and len(ids) == 7


def test_matching_ids_by_reading_or_seeking(session_factory, collection, monkeypatch):
    query = parse_search("graph")
    wanted = collection["all"][::7]
    expected = set(wanted) & set(collection["graph"])
    with session_factory() as session:
        for factor in (0, 1_000):  # 0: seek every id; 1,000: read the range and keep the wanted
            monkeypatch.setattr(search, "FTS_SEEK_FACTOR", factor)
            assert matching_ids(session, Paper.id, query, wanted) == expected
        assert count_search_matches(session, query) in (None, 60)
        estimate = estimated_rows(session, select(Paper.id))
        assert (estimate is None) == (not is_postgres(session))


def test_a_rare_query_within_a_large_filter(session_factory, seeder, collection, monkeypatch):
    seeder.store(
        [
            record("2602.00001", "Zeolite sieves", categories=["cs.LG"]),
            record("2602.00002", "Zeolite catalysis", categories=["cs.AI"]),
        ]
    )
    monkeypatch.setattr(selection, "SMALL_SET", 0)
    with session_factory() as session:
        page = list_papers(session, PaperFilters(q="zeolite", categories=("cs.LG",)))
    assert [item.id for item in page.items] == ["2602.00001"] and page.total == 1
