"""The library's write and read door: saved papers with tags and a note, and radar feedback.

Tags are stored as a JSON list on the row (`saved_papers.tags`); a person's library is small
(hundreds to a few thousand papers), so tag filters and counts run over that person's rows.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import one_of
from app.models import Paper, PaperFeedback, SavedPaper

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_NOTE_LENGTH = 10_000
FEEDBACK_KINDS = ("seen", "not_interested")
# Control characters: none in a tag; a note keeps tabs and line breaks.
_TAG_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NOTE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LibraryError(ValueError):
    """A library change that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class SavedEntry:
    """A saved paper's own data: when, tags, note."""

    paper_id: int
    tags: tuple[str, ...]
    note: str | None
    saved_at: datetime


def clean_tags(tags: Iterable[object]) -> list[str]:
    """Tags trimmed, spacing folded, de-duplicated ignoring case (the first spelling wins)."""
    if isinstance(tags, str) or not isinstance(tags, Iterable):
        raise LibraryError("tags must be a list of strings")
    cleaned: dict[str, str] = {}
    for tag in tags:
        if not isinstance(tag, str):
            raise LibraryError("tags must be a list of strings")
        if _TAG_CONTROL.search(tag):
            raise LibraryError("a tag must not contain control characters")
        text = " ".join(tag.split())
        if len(text) > MAX_TAG_LENGTH:
            raise LibraryError(f"a tag is at most {MAX_TAG_LENGTH} characters: {text[:20]!r}…")
        if text:
            cleaned.setdefault(text.casefold(), text)
    if len(cleaned) > MAX_TAGS:
        raise LibraryError(f"a paper can have at most {MAX_TAGS} tags")
    return list(cleaned.values())


def clean_note(note: object) -> str | None:
    """A note within bounds; blank is no note."""
    if note is None:
        return None
    if not isinstance(note, str):
        raise LibraryError("the note must be text")
    if len(note) > MAX_NOTE_LENGTH:
        raise LibraryError(f"the note is longer than {MAX_NOTE_LENGTH:,} characters")
    if _NOTE_CONTROL.search(note):
        raise LibraryError("the note must not contain control characters")
    return note if note.strip() else None


def save_paper(
    session: Session,
    user_id: int,
    paper_id: int,
    *,
    tags: Iterable[str] | None = None,
    note: str | None = None,
    now: datetime,
) -> SavedPaper:
    """Save a paper (again: the same row); tags and note change only when given."""
    clean = clean_tags(tags) if tags is not None else None
    text = clean_note(note)
    row = session.get(SavedPaper, (user_id, paper_id))
    if row is None:
        if session.get(Paper, paper_id) is None:
            raise LibraryError(f"there is no paper with id {paper_id}")
        row = SavedPaper(user_id=user_id, paper_id=paper_id, tags="[]", saved_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # saved by a concurrent request in between
            row = session.get(SavedPaper, (user_id, paper_id), populate_existing=True)
    if clean is not None:
        row.tags = json.dumps(clean, ensure_ascii=False)
    if note is not None:
        row.note = text
    session.flush()
    return row


def unsave_paper(session: Session, user_id: int, paper_id: int) -> bool:
    """Take a paper out of the library; False when it was not in it."""
    result = session.execute(
        delete(SavedPaper).where(SavedPaper.user_id == user_id, SavedPaper.paper_id == paper_id)
    )
    return result.rowcount > 0


def update_saved(
    session: Session,
    user_id: int,
    paper_id: int,
    *,
    tags: Iterable[str] | None,
    note: str | None,
) -> SavedPaper | None:
    """Replace a saved paper's tags and note (None: no tags, no note); None when not saved."""
    clean = clean_tags(tags or [])
    text = clean_note(note)
    row = session.get(SavedPaper, (user_id, paper_id))
    if row is None:
        return None
    row.tags = json.dumps(clean, ensure_ascii=False)
    row.note = text
    session.flush()
    return row


def saved_ids_among(session: Session, user_id: int, paper_ids: Iterable[int]) -> set[int]:
    """Which of `paper_ids` the person saved (for the Save / Saved state of cards)."""
    ids = list(paper_ids)
    if not ids:
        return set()
    statement = select(SavedPaper.paper_id).where(
        SavedPaper.user_id == user_id, one_of(session, SavedPaper.paper_id, ids)
    )
    return set(session.scalars(statement))


def load_saved(
    session: Session, user_id: int, paper_ids: Iterable[int] | None = None
) -> dict[int, SavedEntry]:
    """The person's saved entries (all, or those among `paper_ids`), keyed by paper id."""
    statement = select(SavedPaper).where(SavedPaper.user_id == user_id)
    if paper_ids is not None:
        ids = list(paper_ids)
        if not ids:
            return {}
        statement = statement.where(one_of(session, SavedPaper.paper_id, ids))
    return {row.paper_id: _entry(row) for row in session.scalars(statement)}


def _entry(row: SavedPaper) -> SavedEntry:
    return SavedEntry(row.paper_id, tuple(_tags(row.tags)), row.note, row.saved_at)


def _tags(stored: str | None) -> list[str]:
    try:
        value = json.loads(stored or "[]")
    except ValueError:
        return []
    return [tag for tag in value if isinstance(tag, str)] if isinstance(value, list) else []


def library_paper_ids(session: Session, user_id: int, *, tag: str | None = None) -> list[int]:
    """The person's saved papers, newest saved first; `tag` (any case) narrows them."""
    statement = (
        select(SavedPaper.paper_id, SavedPaper.tags)
        .where(SavedPaper.user_id == user_id)
        .order_by(SavedPaper.saved_at.desc(), SavedPaper.paper_id.desc())
    )
    rows = session.execute(statement).all()
    if tag is None:
        return [paper_id for paper_id, _ in rows]
    wanted = " ".join(tag.split()).casefold()
    return [paper_id for paper_id, tags in rows if any(t.casefold() == wanted for t in _tags(tags))]


def library_entries(session: Session, user_id: int, *, tag: str | None = None) -> list[SavedEntry]:
    """The person's saved entries, newest saved first; `tag` (any case) narrows them."""
    ids = library_paper_ids(session, user_id, tag=tag)
    saved = load_saved(session, user_id, ids)
    return [saved[paper_id] for paper_id in ids if paper_id in saved]


def library_tags(session: Session, user_id: int) -> list[tuple[str, int]]:
    """The person's tags with how many papers carry each, most used first."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    statement = select(SavedPaper.tags).where(SavedPaper.user_id == user_id)
    for stored in session.scalars(statement):
        for tag in _tags(stored):
            key = tag.casefold()
            spelling.setdefault(key, tag)
            counts[key] += 1
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(spelling[key], count) for key, count in ordered]


def set_feedback(
    session: Session, user_id: int, paper_id: int, kind: str, *, now: datetime
) -> PaperFeedback:
    """Record `seen` or `not_interested` for a paper (again: the same row)."""
    if kind not in FEEDBACK_KINDS:
        raise LibraryError(f"feedback must be one of {', '.join(FEEDBACK_KINDS)}, got {kind!r}")
    row = session.get(PaperFeedback, (user_id, paper_id, kind))
    if row is not None:
        return row
    if session.get(Paper, paper_id) is None:
        raise LibraryError(f"there is no paper with id {paper_id}")
    row = PaperFeedback(user_id=user_id, paper_id=paper_id, kind=kind, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # recorded by a concurrent request in between
        row = session.get(PaperFeedback, (user_id, paper_id, kind), populate_existing=True)
    return row


def clear_feedback(session: Session, user_id: int, paper_id: int, kind: str) -> bool:
    """Take feedback back; False when there was none."""
    result = session.execute(
        delete(PaperFeedback).where(
            PaperFeedback.user_id == user_id,
            PaperFeedback.paper_id == paper_id,
            PaperFeedback.kind == kind,
        )
    )
    return result.rowcount > 0


def feedback_among(session: Session, user_id: int, paper_ids: Iterable[int]) -> dict[int, set[str]]:
    """The person's feedback kinds on each of `paper_ids` that has any."""
    ids = list(paper_ids)
    if not ids:
        return {}
    statement = select(PaperFeedback.paper_id, PaperFeedback.kind).where(
        PaperFeedback.user_id == user_id, one_of(session, PaperFeedback.paper_id, ids)
    )
    found: dict[int, set[str]] = {}
    for paper_id, kind in session.execute(statement):
        found.setdefault(paper_id, set()).add(kind)
    return found
