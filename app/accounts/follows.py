"""Follows and mutes: what a person wants on (or off) their radar, validated and stored once.

Each rule has a `match_key` that matching uses: an author's folded key (the same function that
fills `authors.match_key`), a keyword lower-cased with its spacing folded, a category as given, a
source's id. A mute is the same rule with `muted` set; sources cannot be muted (unfollow them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.catalogue import ARXIV_CATEGORY
from app.models import Follow, Source
from app.text import author_match_key

KINDS = ("author", "keyword", "category", "source")
MUTE_KINDS = ("author", "keyword", "category")
MAX_VALUE_LENGTH = 300
MAX_CATEGORY_LENGTH = 64  # categories.code
MAX_RULES_PER_USER = 2000
EXPORT_FORMAT = "academichub-follows"
EXPORT_VERSION = 1
# Control characters (tabs and newlines included): none belongs in a one-line rule, and
# PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A category follow is an arXiv code (app.catalogue.ARXIV_CATEGORY), or a journal's subject as
# its feed names it ("cancer biology", "Neuroscience & Behavior"): words, no markup.
_SUBJECT_CATEGORY = re.compile(r"^[\w][\w .,&'()/+:\-]*$")


class FollowError(ValueError):
    """A rule that cannot be followed or muted as given; the message says why."""


@dataclass(frozen=True)
class FollowRule:
    """A validated rule, ready to store."""

    kind: str
    value: str
    match_key: str
    muted: bool


@dataclass(frozen=True)
class FollowView:
    """A stored rule as settings pages and the API show it; `label` names a source by its label."""

    id: int
    kind: str
    value: str
    match_key: str
    muted: bool
    label: str
    created_at: datetime


@dataclass(frozen=True)
class FollowImportResult:
    """What an import did: rules added, and rules the person already had."""

    added: int
    already: int

    @property
    def total(self) -> int:
        return self.added + self.already


def parse_rule(session: Session, kind: object, value: object, *, muted: bool = False) -> FollowRule:
    """Validate one rule (a source must exist); FollowError says what is wrong."""
    if kind not in KINDS:
        raise FollowError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if muted and kind not in MUTE_KINDS:
        raise FollowError(f"only {', '.join(MUTE_KINDS)} can be muted, not a {kind}")
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise FollowError(f"{kind} must be given as text")
    text = " ".join(str(value).split()) if kind != "source" else str(value).strip()
    if not text:
        raise FollowError(f"{kind} must not be empty")
    if len(str(value)) > MAX_VALUE_LENGTH:
        raise FollowError(f"{kind} is longer than {MAX_VALUE_LENGTH} characters")
    if _CONTROL.search(str(value).strip()):
        raise FollowError(f"{kind} must not contain control characters")
    return FollowRule(kind, text, _match_key(session, kind, text), muted)


def _match_key(session: Session, kind: str, value: str) -> str:
    if kind == "author":
        key = author_match_key(value)
        if not key:
            raise FollowError(f"author {value!r} has no letters or digits to match on")
        return key
    if kind == "keyword":
        return value.lower()
    if kind == "category":
        return _category(value)
    return str(_source_id(session, value))


def _category(value: str) -> str:
    if len(value) > MAX_CATEGORY_LENGTH:
        raise FollowError(f"category is longer than {MAX_CATEGORY_LENGTH} characters")
    if not (ARXIV_CATEGORY.match(value) or _SUBJECT_CATEGORY.match(value)):
        raise FollowError(
            f"category {value!r} is neither an arXiv code like cs.LG nor a subject name"
        )
    return value


def _source_id(session: Session, value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise FollowError(f"source must be a source id (a whole number), got {value!r}")
    if session.get(Source, int(value)) is None:
        raise FollowError(f"there is no source with id {value}")
    return int(value)


def add_follow(
    session: Session, user_id: int, kind: str, value: str, *, muted: bool = False, now: datetime
) -> Follow:
    """Follow (or mute) a rule; adding a rule the person already has returns that row."""
    return _store_rule(session, user_id, parse_rule(session, kind, value, muted=muted), now)[0]


def _store_rule(
    session: Session, user_id: int, rule: FollowRule, now: datetime
) -> tuple[Follow, bool]:
    """The stored row and whether it is new; a concurrent twin insert is caught, not raised."""
    existing = _find(session, user_id, rule)
    if existing is not None:
        return existing, False
    if _rule_count(session, user_id) >= MAX_RULES_PER_USER:
        raise FollowError(f"a person can have at most {MAX_RULES_PER_USER} follows and mutes")
    row = Follow(
        user_id=user_id,
        kind=rule.kind,
        value=rule.value,
        match_key=rule.match_key,
        muted=rule.muted,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another request added the same rule in between
        found = _find(session, user_id, rule)
        if found is None:
            raise
        return found, False
    return row, True


def _find(session: Session, user_id: int, rule: FollowRule) -> Follow | None:
    statement = select(Follow).where(
        Follow.user_id == user_id,
        Follow.kind == rule.kind,
        Follow.match_key == rule.match_key,
        Follow.muted.is_(rule.muted),
    )
    return session.scalars(statement).first()


def _rule_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(Follow.id)).where(Follow.user_id == user_id)) or 0


def remove_follow(session: Session, user_id: int, follow_id: int) -> bool:
    """Remove one of the person's own rules; another person's id (or none) is False."""
    row = session.get(Follow, follow_id)
    if row is None or row.user_id != user_id:
        return False
    session.delete(row)
    session.flush()
    return True


def list_follows(session: Session, user_id: int, *, muted: bool | None = None) -> list[FollowView]:
    """The person's rules by kind then value (follows and mutes, or only one of them)."""
    statement = (
        select(Follow, Source.label)
        .outerjoin(
            Source, (Follow.kind == "source") & (Follow.match_key == cast(Source.id, String))
        )
        .where(Follow.user_id == user_id)
        .order_by(Follow.muted, Follow.kind, Follow.match_key, Follow.id)
    )
    if muted is not None:
        statement = statement.where(Follow.muted.is_(muted))
    return [
        FollowView(
            row.id,
            row.kind,
            row.value,
            row.match_key,
            row.muted,
            label or row.value,
            row.created_at,
        )
        for row, label in session.execute(statement)
    ]


def export_follows(session: Session, user_id: int) -> dict:
    """The person's rules as a portable JSON document (`import_follows` reads it back)."""
    follows = []
    for view in list_follows(session, user_id):
        entry: dict = {"kind": view.kind, "value": view.value, "muted": view.muted}
        if view.kind == "source":
            source = session.get(Source, int(view.match_key))
            if source is None:  # removed since: matches nothing, and would not import
                continue
            entry["url"] = source.url
        follows.append(entry)
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "follows": follows}


def import_follows(
    session: Session, user_id: int, document: object, *, now: datetime
) -> FollowImportResult:
    """Add every rule of an exported document, or none: the whole document is checked first."""
    rules = _parse_document(session, document)
    existing = _rule_count(session, user_id)
    added = already = 0
    for rule in rules:
        if _find(session, user_id, rule) is not None:
            already += 1
        elif existing + added >= MAX_RULES_PER_USER:
            raise FollowError(f"a person can have at most {MAX_RULES_PER_USER} follows and mutes")
        else:
            added += _store_rule(session, user_id, rule, now)[1]
    return FollowImportResult(added=added, already=already)


def _parse_document(session: Session, document: object) -> list[FollowRule]:
    if not isinstance(document, dict):
        raise FollowError("a follows document must be a JSON object")
    if document.get("format") != EXPORT_FORMAT:
        raise FollowError(f'"format" must be "{EXPORT_FORMAT}"')
    if document.get("version") != EXPORT_VERSION:
        raise FollowError(f'"version" must be {EXPORT_VERSION}, got {document.get("version")!r}')
    entries = document.get("follows")
    if not isinstance(entries, list):
        raise FollowError('"follows" must be a list')
    if len(entries) > MAX_RULES_PER_USER:
        raise FollowError(f"a document may hold at most {MAX_RULES_PER_USER} rules")
    rules: dict[tuple, FollowRule] = {}
    for index, entry in enumerate(entries):
        try:
            rule = _parse_entry(session, entry)
        except FollowError as error:
            raise FollowError(f"follows[{index}]: {error}") from None
        rules.setdefault((rule.kind, rule.match_key, rule.muted), rule)
    return list(rules.values())


def _parse_entry(session: Session, entry: object) -> FollowRule:
    if not isinstance(entry, dict):
        raise FollowError("each rule must be an object with kind, value and muted")
    unknown = sorted(set(entry) - {"kind", "value", "muted", "url"})
    if unknown:
        raise FollowError(f"unknown field {unknown[0]!r}")
    muted = entry.get("muted", False)
    if not isinstance(muted, bool):
        raise FollowError('"muted" must be true or false')
    value = entry.get("value")
    if entry.get("kind") == "source" and isinstance(entry.get("url"), str):
        # Another instance numbers its sources differently: the URL finds the same feed here.
        found = session.scalars(select(Source.id).where(Source.url == entry["url"])).first()
        value = str(found) if found is not None else value
    return parse_rule(session, entry.get("kind"), value, muted=muted)
