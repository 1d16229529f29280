"""Curated Daily: a day's announcement order, the default view, day navigation, data version."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.curation.daily import PaperFilters, default_view, list_papers
from app.curation.days import adjacent_days, best_listings, data_version, latest_day
from tests.curation.seeding import NOW, record

MON, TUE, WED, THU = (date(2024, 11, d) for d in (25, 26, 27, 28))


def listed(session_factory, **filters):
    with session_factory() as session:
        page = list_papers(session, PaperFilters(**filters))
    return [(item.id, item.announce_type, item.version) for item in page.items]


@pytest.fixture
def days(seeder):
    seeder.store(
        [
            record("2411.00001", announced_on=MON, authors=["Ada Lovelace"]),
            record("2411.00002", announced_on=MON),
            record("2411.00003", announced_on=MON, announce_type="cross"),
        ]
    )
    # Tuesday's document, in feed order: a replacement first, new papers last.
    seeder.store(
        [
            record(
                "2411.00001",
                announced_on=TUE,
                announce_type="replace",
                version=2,
                authors=["Ada Lovelace"],
            ),
            record("2411.00004", announced_on=TUE, announce_type="cross"),
            record("2411.00006", announced_on=TUE, authors=["Ada Lovelace"]),
            record("2411.00007", announced_on=TUE, announce_type="replace-cross", version=3),
            record("2411.00008", announced_on=TUE),
        ]
    )
    seeder.store([record("2411.00006", announced_on=TUE, announce_type="cross")], source="cs.LG")
    seeder.store([record("2411.00009", announced_on=THU)])  # no announcement on Wednesday


def test_a_day_lists_new_then_cross_lists_then_replacements(session_factory, days):
    assert listed(session_factory, day=TUE) == [
        ("2411.00006", "new", 1),
        ("2411.00008", "new", 1),
        ("2411.00004", "cross", 1),
        ("2411.00001", "replace", 2),
        ("2411.00007", "replace-cross", 3),
    ]


def test_a_day_shows_the_listing_of_that_day(session_factory, days):
    # 2411.00001 is at v2 now ("replace"), but on Monday it was announced new, as v1.
    assert listed(session_factory, day=MON) == [
        ("2411.00001", "new", 1),
        ("2411.00002", "new", 1),
        ("2411.00003", "cross", 1),
    ]
    everyday = listed(session_factory, authors=("Ada Lovelace",))
    assert ("2411.00001", "replace", 2) in everyday


def test_a_source_filter_shows_that_sources_listing(session_factory, seeder, days):
    lg = seeder.source("cs.LG")
    assert listed(session_factory, day=TUE, sources=(lg,)) == [("2411.00006", "cross", 1)]


def test_best_listing_is_pure():
    rows = [(1, "cross", 1, 10), (1, "new", 1, 30), (2, "replace", 2, 5), (2, None, 2, 1)]
    assert best_listings(rows) == {1: ("new", 1), 2: ("replace", 2)}


def test_day_pages_continue(session_factory, days):
    with session_factory() as session:
        first = list_papers(session, PaperFilters(day=TUE), page_size=2)
        third = list_papers(session, PaperFilters(day=TUE, page=3), page_size=2)
    assert [i.id for i in first.items] == ["2411.00006", "2411.00008"] and first.has_next
    assert [i.id for i in third.items] == ["2411.00007"] and not third.has_next
    assert first.total == 5


def test_default_view_is_the_latest_day_only_without_filters(session_factory, days):
    with session_factory() as session:
        assert default_view(session, PaperFilters()).day == THU
        assert default_view(session, PaperFilters(page=2)).day == THU
        assert default_view(session, PaperFilters(authors=("Ada Lovelace",))).day is None
        assert default_view(session, PaperFilters(shuffle=4)).day is None
        assert default_view(session, PaperFilters(day=MON)).day == MON


def test_filters_span_every_day_newest_first(session_factory, days):
    ids = [row[0] for row in listed(session_factory, authors=("Ada Lovelace",))]
    assert ids == ["2411.00006", "2411.00001"]
    assert [row[0] for row in listed(session_factory)][:2] == ["2411.00009", "2411.00008"]


def test_latest_and_adjacent_days(session_factory, days):
    with session_factory() as session:
        assert latest_day(session) == THU
        assert adjacent_days(session, WED) == (TUE, THU)
        assert adjacent_days(session, TUE) == (MON, THU)
        assert adjacent_days(session, MON) == (None, TUE)
        assert adjacent_days(session, date(2030, 1, 1)) == (THU, None)


def test_no_days_before_the_first_poll(session_factory):
    with session_factory() as session:
        assert latest_day(session) is None
        assert adjacent_days(session, MON) == (None, None)
        assert data_version(session) == "-/0/0/0"
        assert list_papers(session, default_view(session, PaperFilters())).items == []


def test_data_version_moves_with_papers_and_listings(session_factory, seeder, days):
    def version() -> str:
        with session_factory() as session:
            return data_version(session)

    before = version()
    seeder.store([record("2411.00009", announced_on=THU)], source="cs.LG")  # a listing only
    after_listing = version()
    assert after_listing != before
    assert after_listing.split("/")[0] == before.split("/")[0]  # ISO time first (conditional.py)
    later = NOW + timedelta(hours=1)
    seeder.store([record("2411.00009", "A new title", announced_on=THU, version=2)], now=later)
    assert version() != after_listing
