"""A person's radar from the database: range, reasons, exclusions, and a cache that is never
stale (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.db import transaction
from app.models import User
from app.radar.model_store import update_model
from app.radar.ranking import (
    MAX_RANGE_DAYS,
    RadarRangeError,
    highlight_terms,
    invalidate_radar_cache,
    rank_radar,
)
from app.radar.scoring import IN_LIBRARY
from app.text import author_match_key
from tests.radar.papers import THU, WED, by_archive, store_days
from tests.radar.people import NOW, add_user, follow, mark, save


@pytest.fixture
def day(seeder):
    """Wednesday and Thursday (the latest day), each with quantum, astro and math papers."""
    quantum = by_archive("quant-ph", 40)
    astro, maths = by_archive("astro-ph", 20), by_archive("math", 20)
    original = quantum[0]
    twin = original.model_copy(  # a follow-up of a Wednesday paper, listed on Thursday
        update={
            "arxiv_id": "2411.99001",
            "guid": "twin",
            "title": f"{original.title}: a follow-up",
            "abstract": original.abstract[: len(original.abstract) * 2 // 3],
            "url": "https://arxiv.org/abs/2411.99001",
        }
    )
    records = {
        "wed": quantum[:20] + astro[:10] + maths[:10],
        "thu": [*quantum[20:], *astro[10:], *maths[10:], twin],
    }
    ids = store_days(seeder, records["wed"], records["thu"])
    return {
        "ids": ids,
        "wed": [ids[r.arxiv_id] for r in records["wed"]],
        "thu": [ids[r.arxiv_id] for r in records["thu"]],
        "records": {ids[r.arxiv_id]: r for r in records["wed"] + records["thu"]},
        "quantum": [ids[r.arxiv_id] for r in [*quantum, twin]],  # Wednesday's first 20
        "astro": [ids[r.arxiv_id] for r in astro],
        "source": seeder.sources["cs.AI"],
        "twin": ids[twin.arxiv_id],
    }


def radar(session_factory, user, **range_):
    with session_factory() as session:
        return rank_radar(session, user, now=NOW, **range_)


def reasons(entries) -> dict[int, tuple[str, ...]]:
    return {entry.paper_id: entry.reasons for entry in entries}


def test_the_default_is_the_latest_day_and_a_range_reaches_back(session_factory, day):
    user = add_user(session_factory)
    follow(session_factory, user, "category", "quant-ph")
    latest = radar(session_factory, user)
    assert {e.paper_id for e in latest} == set(day["quantum"][20:])
    both = radar(session_factory, user, since=WED, until=THU)
    assert {e.paper_id for e in both} == set(day["quantum"])
    assert {e.paper_id for e in radar(session_factory, user, until=WED)} == set(day["quantum"][:20])
    assert {e.paper_id for e in radar(session_factory, user, since=WED)} == set(day["quantum"])
    assert radar(session_factory, user, since=date(2030, 1, 1), until=date(2030, 1, 2)) == []


def test_every_follow_is_a_reason(session_factory, day):
    user = add_user(session_factory)
    paper = day["thu"][0]
    record = day["records"][paper]
    author = record.authors[0].name
    word = next(w for w in record.title.split() if len(w) > 6 and w.isalpha())
    follow(session_factory, user, "author", author.upper())
    follow(session_factory, user, "keyword", word.lower())
    follow(session_factory, user, "source", str(day["source"]))
    follow(session_factory, user, "category", record.categories[0])
    found = reasons(radar(session_factory, user))[paper]
    assert found[:2] == (f"you follow {author}", f"matches '{word.lower()}' in the title")
    assert f"in {record.categories[0]}, which you follow" in found
    assert "from arXiv cs.AI, which you follow" in found
    assert len(radar(session_factory, user)) == len(day["thu"])  # the source lists them all


def test_saved_papers_and_the_model_are_reasons(session_factory, day):
    user = add_user(session_factory)
    save(session_factory, user, *day["quantum"][:20])  # Wednesday's quantum papers
    with transaction(session_factory) as session:
        update_model(session, user, now=NOW)
    found = reasons(radar(session_factory, user))
    assert found, "the library makes some of Thursday's quantum papers show"
    assert set(found) <= set(day["thu"])
    assert found[day["twin"]][0] == "similar to 1 paper you saved"
    quantum_shown = [i for i in found if i in day["quantum"]]
    assert len(quantum_shown) >= len(found) - 3  # the person's topic, nearly only
    assert any(r[0].startswith("might interest you: '") for r in found.values())


def test_mutes_feedback_and_hide_seen_exclude(session_factory, day):
    user = add_user(session_factory)
    follow(session_factory, user, "source", str(day["source"]))
    records = day["records"]
    astro = next(i for i in day["thu"] if records[i].categories[0].startswith("astro-ph"))
    maths = next(i for i in day["thu"] if records[i].categories[0].startswith("math"))
    rejected, seen = day["quantum"][20:22]
    follow(session_factory, user, "author", records[astro].authors[0].name, muted=True)
    follow(session_factory, user, "category", records[maths].categories[0], muted=True)
    mark(session_factory, user, "not_interested", rejected)
    mark(session_factory, user, "seen", seen)
    shown = {e.paper_id for e in radar(session_factory, user)}
    assert astro not in shown and maths not in shown and rejected not in shown
    assert not any(records[maths].categories[0] in records[i].categories for i in shown)
    assert seen in shown and len(shown) > len(day["thu"]) // 2
    with transaction(session_factory) as session:
        session.get(User, user).hide_seen = True
    assert radar(session_factory, user) and seen not in {
        e.paper_id for e in radar(session_factory, user)
    }


def test_saved_papers_stay_with_their_reasons(session_factory, day):
    user = add_user(session_factory)
    paper = day["thu"][5]
    follow(session_factory, user, "category", day["records"][paper].categories[0])
    save(session_factory, user, paper)
    assert reasons(radar(session_factory, user))[paper][-1] == IN_LIBRARY


def test_changes_show_at_once_without_invalidation(session_factory, day):
    user = add_user(session_factory)
    assert radar(session_factory, user) == []
    follow(session_factory, user, "source", str(day["source"]))
    everything = radar(session_factory, user)
    assert len(everything) == len(day["thu"])
    mark(session_factory, user, "not_interested", everything[0].paper_id)
    assert everything[0].paper_id not in {e.paper_id for e in radar(session_factory, user)}
    follow(session_factory, user, "keyword", "quantum")
    with_keyword = radar(session_factory, user)
    assert "matches 'quantum'" in " ".join(with_keyword[0].reasons)
    save(session_factory, user, *day["quantum"][:20])
    with transaction(session_factory) as session:
        update_model(session, user, now=NOW + timedelta(minutes=1))
    with_model = radar(session_factory, user)
    assert [e.score for e in with_model] != [e.score for e in with_keyword]  # the model counts
    assert "similar to 1 paper you saved" in {r for e in with_model for r in e.reasons}
    invalidate_radar_cache(user)  # frees memory; the answer is the same
    assert radar(session_factory, user) == with_model


def test_order_is_deterministic_and_limited(session_factory, day):
    user = add_user(session_factory)
    follow(session_factory, user, "source", str(day["source"]))
    follow(session_factory, user, "keyword", "quantum")
    entries = radar(session_factory, user)
    keys = [(-e.score, e.paper_id) for e in entries]
    assert keys == sorted(keys)
    with session_factory() as session:
        assert rank_radar(session, user, limit=5, now=NOW) == entries[:5]
        assert rank_radar(session, user, limit=0, now=NOW) == []


def test_bad_ranges_are_refused_clearly(session_factory, day):
    user = add_user(session_factory)
    with session_factory() as session, pytest.raises(RadarRangeError, match="after it ends"):
        rank_radar(session, user, since=THU, until=WED, now=NOW)
    with session_factory() as session, pytest.raises(RadarRangeError, match="at most"):
        rank_radar(session, user, since=THU - timedelta(days=MAX_RANGE_DAYS), until=THU, now=NOW)


def test_an_unknown_person_or_an_empty_collection_has_no_radar(session_factory):
    assert radar(session_factory, 12345) == []
    user = add_user(session_factory)
    follow(session_factory, user, "keyword", "quantum")
    assert radar(session_factory, user) == []


def test_highlights_are_the_followed_authors_and_keywords(session_factory):
    user = add_user(session_factory)
    other = add_user(session_factory, "bob@example.org")
    follow(session_factory, user, "author", "Zichen Liu")
    follow(session_factory, user, "keyword", "Trust  Region")
    follow(session_factory, user, "keyword", "GAN", muted=True)
    follow(session_factory, other, "keyword", "diffusion")
    with session_factory() as session:
        highlights = highlight_terms(session, user)
    assert highlights.author_keys == {author_match_key("Zichen Liu")}
    assert highlights.keywords == ("trust region",)
