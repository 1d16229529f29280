"""Shuffle: a seeded permutation (pure), and seeded draws from filtered sets on both databases."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from app.curation.daily import PaperFilters, list_papers
from app.curation.shuffle import (
    MAX_DRAWN,
    SeededPermutation,
    draw_order,
    draw_page,
    permutation_for,
)
from app.models import Paper, PaperCategory
from tests.curation.seeding import record

# --- the permutation (pure) -----------------------------------------------------------------------


@pytest.mark.parametrize("bits", [1, 2, 3, 5, 8, 11])
def test_permutation_is_a_bijection_with_an_inverse(bits):
    permutation = SeededPermutation(12345, bits)
    ranks = [permutation.rank(v) for v in range(1 << bits)]
    assert sorted(ranks) == list(range(1 << bits))
    assert all(permutation.value(permutation.rank(v)) == v for v in range(1 << bits))


def test_large_domains_invert_too():
    permutation = permutation_for(2**63, 10**9)
    for value in (0, 1, 2, 999_999_999, 123_456_789):
        assert permutation.value(permutation.rank(value)) == value


def test_the_draw_is_pinned():
    # Shared shuffle URLs must keep their cards across releases: changing the mixing is a
    # visible change, so this pins it.
    assert draw_order(permutation_for(42, 20), range(1, 21), 8) == [16, 7, 20, 2, 8, 18, 19, 17]
    assert draw_order(permutation_for(0, 20), range(1, 21), 3) == [11, 13, 19]


def test_seeds_give_different_orders():
    orders = {tuple(draw_order(permutation_for(seed, 50), range(1, 51), 50)) for seed in range(20)}
    assert len(orders) == 20
    assert tuple(range(1, 51)) not in orders


def test_first_picks_are_spread_evenly():
    firsts = Counter(
        draw_order(permutation_for(seed, 10), range(1, 11), 1)[0] for seed in range(3000)
    )
    assert set(firsts) == set(range(1, 11))
    assert all(220 < count < 380 for count in firsts.values()), firsts  # ~300 each
    # Neighbouring ids do not travel together: ranks 2**17 wide land within 2**10 of each other
    # about as often as random ones would (~1.6%, so ~16 of 999 pairs).
    permutation = permutation_for(7, 100_000)
    close = sum(
        abs(permutation.rank(i) - permutation.rank(i + 1)) < 1 << 10 for i in range(1, 1000)
    )
    assert close < 40


def test_draw_order_keeps_the_relative_order_of_any_subset():
    permutation = permutation_for(99, 500)
    everything = draw_order(permutation, range(1, 501), 500)
    evens = draw_order(permutation, range(2, 501, 2), 250)
    assert evens == [i for i in everything if i % 2 == 0]


# --- draws from the database ----------------------------------------------------------------------


def page_ids(session_factory, page_size=5, **filters) -> list[int]:
    with session_factory() as session:
        page = list_papers(session, PaperFilters(**filters), page_size=page_size)
        by_key = {key: id_ for key, id_ in session.execute(select(Paper.arxiv_id, Paper.id))}
    return [by_key[item.id] for item in page.items]


@pytest.fixture
def papers(seeder) -> dict[str, list[int]]:
    ai = seeder.store([record(f"2501.{n:05d}", categories=["cs.AI"]) for n in range(1, 31)])
    lg = seeder.store([record(f"2502.{n:05d}", categories=["cs.LG"]) for n in range(1, 21)])
    return {"ai": ai, "lg": lg, "all": ai + lg}


def expected(seed: int, ids: list[int], count: int) -> list[int]:
    """The pure draw over the ids the database holds: what every database must answer."""
    return draw_order(permutation_for(seed, max(ids)), ids, count)


def test_same_seed_same_cards(session_factory, papers):
    first = page_ids(session_factory, shuffle=2024)
    assert first == page_ids(session_factory, shuffle=2024)
    assert first == expected(2024, papers["all"], 5)
    assert first != sorted(first)


def test_different_seeds_differ(session_factory, papers):
    draws = {tuple(page_ids(session_factory, shuffle=seed)) for seed in (1, 2, 3, 4)}
    assert len(draws) == 4


def test_filtered_shuffle_draws_only_matching_papers(session_factory, papers):
    drawn = page_ids(session_factory, page_size=50, shuffle=5, categories=("cs.LG",))
    assert sorted(drawn) == sorted(papers["lg"])
    assert drawn == [i for i in expected(5, papers["all"], 50) if i in papers["lg"]]


def test_paging_continues_the_draw(session_factory, papers):
    pages = [page_ids(session_factory, shuffle=77, page=n) for n in range(1, 12)]
    flat = [i for page in pages for i in page]
    assert flat == expected(77, papers["all"], 50)
    assert len(set(flat)) == 50 and pages[-1] == []
    with session_factory() as session:
        last = list_papers(session, PaperFilters(shuffle=77, page=10), page_size=5)
    assert not last.has_next and last.total == 50


def test_probing_and_fetching_give_the_same_draw(session_factory, papers):
    ai = select(Paper.id).where(
        select(PaperCategory.paper_id)
        .where(PaperCategory.paper_id == Paper.id, PaperCategory.category == "cs.AI")
        .exists()
    )
    with session_factory() as session:
        for matching in (select(Paper.id), ai):
            for offset in (0, 7, 25):
                every = list(session.scalars(matching))
                fetched = draw_page(session, matching, 31337, offset, 6, candidates=every)
                probed = draw_page(session, matching, 31337, offset, 6)
                assert probed == fetched
        assert draw_page(session, select(Paper.id), 1, MAX_DRAWN, 5) == ([], False)


def test_shuffle_of_a_search_and_a_day(session_factory, seeder, papers):
    seeder.store([record("2503.00001", "Shuffled graph"), record("2503.00002", "Graph again")])
    with session_factory() as session:
        found = list_papers(session, PaperFilters(q="graph", shuffle=3))
        day = list_papers(session, PaperFilters(day=record("x").announced_on, shuffle=3))
    assert sorted(i.id for i in found.items) == ["2503.00001", "2503.00002"]
    assert day.total == 52 and len(day.items) == 50 and day.has_next
