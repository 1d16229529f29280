"""Follows and mutes: validation, match keys, idempotence, ownership, export and import."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.accounts.follows import (
    MAX_VALUE_LENGTH,
    FollowError,
    add_follow,
    export_follows,
    import_follows,
    list_follows,
    remove_follow,
)
from app.db import transaction
from app.ingest.sources import remove_source
from app.models import Follow, Source
from tests.support.users import add_user
from tests.web.seeding import add_source

NOW = datetime(2024, 11, 28, 9, tzinfo=UTC)


@pytest.fixture
def people(session_factory):
    return add_user(session_factory, "ada@example.org"), add_user(
        session_factory, "bob@example.org"
    )


def _count(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count(Follow.id)))


def test_match_keys_per_kind(session_factory, people):
    ada, _ = people
    with transaction(session_factory) as session:
        source_id = add_source(session, "arXiv cs.AI")
        author = add_follow(session, ada, "author", "  José   Martínez-García ", now=NOW)
        keyword = add_follow(session, ada, "keyword", "Trust   Region\u00a0Methods", now=NOW)
        category = add_follow(session, ada, "category", "q-bio.NC", now=NOW)
        journal = add_follow(session, ada, "category", "cancer biology", now=NOW)
        source = add_follow(session, ada, "source", str(source_id), now=NOW)
        keys = [r.match_key for r in (author, keyword, category, journal, source)]
    assert keys == [
        "jose martinez garcia",
        "trust region methods",
        "q-bio.NC",
        "cancer biology",
        str(source_id),
    ]
    assert author.value == "José Martínez-García"
    with session_factory() as session:
        views = list_follows(session, ada)
    labels = {view.kind: view.label for view in views if view.kind == "source"}
    assert labels == {"source": "arXiv cs.AI"}


def test_adding_twice_returns_the_same_row(session_factory, people):
    ada, _ = people
    with transaction(session_factory) as session:
        first = add_follow(session, ada, "author", "Zichen Liu", now=NOW)
        second = add_follow(session, ada, "author", "ZICHEN  LIU", now=NOW)
        muted = add_follow(session, ada, "author", "Zichen Liu", muted=True, now=NOW)
    assert first.id == second.id
    assert muted.id != first.id and muted.muted
    assert _count(session_factory) == 2


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("author", "", "must not be empty"),
        ("author", "   ", "must not be empty"),
        ("author", "x" * (MAX_VALUE_LENGTH + 1), "longer than 300"),
        ("keyword", "bad\x00word", "control characters"),
        ("keyword", "two\nlines", "control characters"),
        ("author", "!!!", "no letters or digits"),
        ("category", "<script>", "neither an arXiv code"),
        ("category", "c" * 65, "longer than 64"),
        ("source", "abc", "whole number"),
        ("source", "999999", "no source with id 999999"),
        ("venue", "NeurIPS", "kind must be one of"),
        ("author", None, "as text"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(session_factory, people, kind, value, message):
    ada, _ = people
    with transaction(session_factory) as session, pytest.raises(FollowError, match=message):
        add_follow(session, ada, kind, value, now=NOW)
    assert _count(session_factory) == 0


def test_sources_cannot_be_muted(session_factory, people):
    ada, _ = people
    with transaction(session_factory) as session:
        source_id = add_source(session, "arXiv cs.AI")
        with pytest.raises(FollowError, match="only author, keyword, category can be muted"):
            add_follow(session, ada, "source", str(source_id), muted=True, now=NOW)


def test_only_the_owner_removes_a_rule(session_factory, people):
    ada, bob = people
    with transaction(session_factory) as session:
        rule_id = add_follow(session, ada, "keyword", "diffusion", now=NOW).id
    with transaction(session_factory) as session:
        assert remove_follow(session, bob, rule_id) is False
        assert remove_follow(session, ada, rule_id + 1000) is False
    assert _count(session_factory) == 1
    with transaction(session_factory) as session:
        assert remove_follow(session, ada, rule_id) is True
    assert _count(session_factory) == 0


def test_list_separates_follows_and_mutes_and_people(session_factory, people):
    ada, bob = people
    with transaction(session_factory) as session:
        add_follow(session, ada, "author", "Edward Witten", now=NOW)
        add_follow(session, ada, "keyword", "survey", muted=True, now=NOW)
        add_follow(session, bob, "author", "Someone Else", now=NOW)
    with session_factory() as session:
        assert [v.value for v in list_follows(session, ada, muted=False)] == ["Edward Witten"]
        assert [v.value for v in list_follows(session, ada, muted=True)] == ["survey"]
        assert [v.value for v in list_follows(session, bob)] == ["Someone Else"]


def test_export_then_import_round_trips_into_another_account(session_factory, people):
    ada, bob = people
    with transaction(session_factory) as session:
        source_id = add_source(session, "arXiv cs.LG")
        add_follow(session, ada, "author", "Zichen Liu", now=NOW)
        add_follow(session, ada, "category", "cs.LG", now=NOW)
        add_follow(session, ada, "source", str(source_id), now=NOW)
        add_follow(session, ada, "keyword", "benchmark", muted=True, now=NOW)
        add_follow(session, bob, "author", "zichen liu", now=NOW)
    with session_factory() as session:
        document = json.loads(json.dumps(export_follows(session, ada)))
    assert document["format"] == "academichub-follows" and document["version"] == 1
    with transaction(session_factory) as session:
        result = import_follows(session, bob, document, now=NOW)
    assert (result.added, result.already) == (3, 1)
    with session_factory() as session:
        rules = {(v.kind, v.match_key, v.muted) for v in list_follows(session, bob)}
        again = import_follows(session, bob, document, now=NOW)
    assert rules == {
        ("author", "zichen liu", False),
        ("category", "cs.LG", False),
        ("source", str(source_id), False),
        ("keyword", "benchmark", True),
    }
    assert (again.added, again.already) == (0, 4)


def test_a_source_is_found_by_its_url_when_ids_differ(session_factory, people):
    ada, _ = people
    with transaction(session_factory) as session:
        source_id = add_source(session, "arXiv cs.AI")
        url = session.get(Source, source_id).url
    document = {
        "format": "academichub-follows",
        "version": 1,
        "follows": [{"kind": "source", "value": "424242", "muted": False, "url": url}],
    }
    with transaction(session_factory) as session:
        assert import_follows(session, ada, document, now=NOW).added == 1
    with session_factory() as session:
        assert [v.match_key for v in list_follows(session, ada)] == [str(source_id)]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({"format": "opml", "version": 1, "follows": []}, '"format" must be'),
        ({"format": "academichub-follows", "version": 2, "follows": []}, '"version" must be 1'),
        ({"format": "academichub-follows", "version": 1}, '"follows" must be a list'),
        (
            {
                "format": "academichub-follows",
                "version": 1,
                "follows": [
                    {"kind": "author", "value": "Good Name"},
                    {"kind": "keyword", "value": "fine"},
                    {"kind": "author", "value": ""},
                ],
            },
            r"follows\[2\]: author must not be empty",
        ),
        (
            {
                "format": "academichub-follows",
                "version": 1,
                "follows": [{"kind": "author", "value": "A B", "muted": "yes"}],
            },
            r"follows\[0\]: \"muted\" must be true or false",
        ),
        (
            {"format": "academichub-follows", "version": 1, "follows": ["cs.LG"]},
            r"follows\[0\]: each rule must be an object",
        ),
    ],
)
def test_a_bad_document_adds_nothing(session_factory, people, document, message):
    ada, _ = people
    with transaction(session_factory) as session:
        add_follow(session, ada, "author", "Kept Rule", now=NOW)
    with transaction(session_factory) as session, pytest.raises(FollowError, match=message):
        import_follows(session, ada, document, now=NOW)
    with session_factory() as session:
        assert [v.value for v in list_follows(session, ada)] == ["Kept Rule"]


def test_duplicates_inside_a_document_count_once(session_factory, people):
    ada, _ = people
    document = {
        "format": "academichub-follows",
        "version": 1,
        "follows": [
            {"kind": "keyword", "value": "Graph  Neural"},
            {"kind": "keyword", "value": "graph neural"},
        ],
    }
    with transaction(session_factory) as session:
        result = import_follows(session, ada, document, now=NOW)
    assert (result.added, result.already) == (1, 0)


def test_a_removed_sources_follow_is_left_out_of_the_export(session_factory, people):
    ada, _ = people
    with transaction(session_factory) as session:
        kept = add_source(session, "arXiv cs.AI")
        gone = add_source(session, "arXiv cs.LG")
        add_follow(session, ada, "source", str(kept), now=NOW)
        add_follow(session, ada, "source", str(gone), now=NOW)
    with transaction(session_factory) as session:
        remove_source(session, gone)
    with session_factory() as session:
        document = export_follows(session, ada)
    assert [entry["value"] for entry in document["follows"]] == [str(kept)]
    with transaction(session_factory) as session:
        assert import_follows(session, ada, document, now=NOW).already == 1
