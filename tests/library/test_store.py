"""The library store: saving, tags and notes, tag listings, and radar feedback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.db import transaction
from app.library.store import (
    MAX_NOTE_LENGTH,
    LibraryError,
    clear_feedback,
    feedback_among,
    library_paper_ids,
    library_tags,
    load_saved,
    save_paper,
    saved_ids_among,
    set_feedback,
    unsave_paper,
    update_saved,
)

NOW = datetime(2024, 11, 28, 9, tzinfo=UTC)


def test_saving_twice_keeps_one_row_and_its_tags(session_factory, paper_ids, ada):
    paper = paper_ids["2411.00001"]
    with transaction(session_factory) as session:
        save_paper(session, ada, paper, tags=["RL", " trust  region "], note="read", now=NOW)
    with transaction(session_factory) as session:
        again = save_paper(session, ada, paper, now=NOW + timedelta(hours=1))
        assert again.saved_at == NOW
    with session_factory() as session:
        entry = load_saved(session, ada)[paper]
    assert entry.tags == ("RL", "trust region") and entry.note == "read"


def test_tags_are_trimmed_and_deduplicated_ignoring_case(session_factory, paper_ids, ada):
    paper = paper_ids["2411.00001"]
    with transaction(session_factory) as session:
        save_paper(session, ada, paper, now=NOW)
        update_saved(session, ada, paper, tags=["Ideas", "ideas ", "  ", "ÉTÉ", "été"], note=None)
    with session_factory() as session:
        assert load_saved(session, ada)[paper].tags == ("Ideas", "ÉTÉ")


@pytest.mark.parametrize(
    ("tags", "note", "message"),
    [
        ([f"t{i}" for i in range(21)], None, "at most 20 tags"),
        (["x" * 51], None, "at most 50 characters"),
        (["bad\ttag"], None, "control characters"),
        ("a string", None, "list of strings"),
        ([3], None, "list of strings"),
        ([], "n" * (MAX_NOTE_LENGTH + 1), "longer than 10,000"),
        ([], "nul\x00", "control characters"),
    ],
)
def test_bad_tags_and_notes_change_nothing(session_factory, paper_ids, ada, tags, note, message):
    paper = paper_ids["2411.00001"]
    with transaction(session_factory) as session:
        save_paper(session, ada, paper, tags=["kept"], note="kept note", now=NOW)
    with transaction(session_factory) as session, pytest.raises(LibraryError, match=message):
        update_saved(session, ada, paper, tags=tags, note=note)
    with session_factory() as session:
        entry = load_saved(session, ada)[paper]
    assert (entry.tags, entry.note) == (("kept",), "kept note")


def test_a_note_keeps_its_lines_and_blank_means_none(session_factory, paper_ids, ada):
    paper = paper_ids["2411.00001"]
    with transaction(session_factory) as session:
        save_paper(session, ada, paper, note="line one\n\tline two", now=NOW)
        assert load_saved(session, ada)[paper].note == "line one\n\tline two"
        update_saved(session, ada, paper, tags=None, note="   ")
        assert load_saved(session, ada)[paper].note is None


def test_saving_a_missing_paper_is_refused(session_factory, ada):
    with transaction(session_factory) as session, pytest.raises(LibraryError, match="no paper"):
        save_paper(session, ada, 987654, now=NOW)


def test_update_and_unsave_of_an_unsaved_paper(session_factory, paper_ids, ada, bob):
    paper = paper_ids["2411.00001"]
    with transaction(session_factory) as session:
        save_paper(session, ada, paper, now=NOW)
        assert update_saved(session, bob, paper, tags=["x"], note="y") is None
        assert unsave_paper(session, bob, paper) is False
        assert saved_ids_among(session, ada, [paper]) == {paper}
        assert unsave_paper(session, ada, paper) is True
        assert saved_ids_among(session, ada, [paper]) == set()


def test_library_order_tag_filter_and_counts(session_factory, paper_ids, ada, bob):
    first, second, third = (
        paper_ids["2411.00001"],
        paper_ids["2411.00002"],
        paper_ids["hep-th/9901001"],
    )
    with transaction(session_factory) as session:
        save_paper(session, ada, first, tags=["RL"], now=NOW)
        save_paper(session, ada, second, tags=["rl", "Theory"], now=NOW + timedelta(minutes=1))
        save_paper(session, ada, third, tags=["Theory"], now=NOW + timedelta(minutes=2))
        save_paper(session, bob, first, tags=["Other"], now=NOW)
    with session_factory() as session:
        assert library_paper_ids(session, ada) == [third, second, first]
        assert library_paper_ids(session, ada, tag="RL") == [second, first]
        assert library_paper_ids(session, ada, tag="none") == []
        assert library_tags(session, ada) == [("RL", 2), ("Theory", 2)]
        assert library_tags(session, bob) == [("Other", 1)]
        assert saved_ids_among(session, bob, [first, second, third]) == {first}


def test_feedback_is_idempotent_and_can_be_cleared(session_factory, paper_ids, ada):
    paper = paper_ids["2411.00002"]
    with transaction(session_factory) as session:
        set_feedback(session, ada, paper, "seen", now=NOW)
        set_feedback(session, ada, paper, "seen", now=NOW)
        set_feedback(session, ada, paper, "not_interested", now=NOW)
    with transaction(session_factory) as session:
        assert feedback_among(session, ada, [paper]) == {paper: {"seen", "not_interested"}}
        assert clear_feedback(session, ada, paper, "seen") is True
        assert clear_feedback(session, ada, paper, "seen") is False
        assert feedback_among(session, ada, [paper]) == {paper: {"not_interested"}}
        with pytest.raises(LibraryError, match="feedback must be one of"):
            set_feedback(session, ada, paper, "loved", now=NOW)
