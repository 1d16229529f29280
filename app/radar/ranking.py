"""A person's radar: the papers of the latest announcement day (or a range), ranked with reasons.

`rank_radar` reads, `app.radar.scoring.rank_candidates` decides. A ranking is kept per process,
keyed by everything it was computed from: the database, the person, the range, the data version,
the term statistics build, the person's follows (every row), library and feedback (count, sum of
paper ids, newest time, per kind), `hide_seen` and the model's `updated_at`. Those are read on
every call in three small statements, so a change made through any web replica or worker shows
on the next call in every process; `invalidate_radar_cache` only frees memory early. Source
labels are not in the key, so a ranking is also recomputed after CACHE_TTL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.curation.days import latest_day, version_columns, version_text
from app.db import one_of
from app.lru import LruCache
from app.models import (
    Follow,
    PaperFeedback,
    PaperListing,
    SavedPaper,
    Source,
    TermStatistics,
    User,
    UserModel,
)
from app.radar.candidates import load_candidates
from app.radar.model_store import NOT_INTERESTED, load_model
from app.radar.rules import SOURCE, FollowRule, HighlightSet, build_highlights, build_rule_set
from app.radar.scoring import RadarEntry, RadarProfile, rank_candidates
from app.radar.stats import TermStats
from app.radar.stats_store import stats_for
from app.radar.vector_store import database_key, paper_vectors
from app.radar.vectors import VectorIndex

__all__ = ["RadarEntry", "RadarRangeError", "highlight_terms", "invalidate_radar_cache"]

SEEN = "seen"
MAX_RANGE_DAYS = 31
CACHE_TTL = timedelta(minutes=10)

_rankings = LruCache["Ranking"](256)
_follow_rules = LruCache[tuple](1024)  # a person's follow rules, by their fingerprint


class RadarRangeError(ValueError):
    """A range the radar does not rank: `since` after `until`, or longer than MAX_RANGE_DAYS."""


@dataclass(frozen=True)
class Ranking:
    entries: tuple[RadarEntry, ...]
    computed_at: datetime


@dataclass(frozen=True)
class PersonState:
    """What a person's radar depends on besides the papers, read in two statements."""

    hide_seen: bool | None  # None: no such person
    model_updated_at: datetime | None
    stats_id: int | None
    library: tuple
    feedback: tuple
    follows: tuple[FollowRule, ...]
    # Not read by the ranking: lets the radar page check a session cookie in the same statement.
    session_epoch: int | None = None


def rank_radar(
    session: Session,
    user_id: int,
    *,
    since: date | None = None,
    until: date | None = None,
    limit: int = 100,
    now: datetime,
) -> list[RadarEntry]:
    """The person's radar over the papers listed from `since` to `until` (default: the latest
    announcement day, the Curated Daily page's papers), best first, at most `limit` entries."""
    key = radar_key(session, user_id, since, until)
    if key is None:
        return []
    return rank_for_key(session, key, limit=limit, now=now)


@dataclass(frozen=True)
class RadarKey:
    """Everything one person's radar of a range depends on: equal keys, equal radars."""

    database: str
    user_id: int
    span: tuple[date, date]
    version: str
    state: PersonState


def radar_key(
    session: Session, user_id: int, since: date | None = None, until: date | None = None
) -> RadarKey | None:
    """The key of the person's radar of the range (a few small statements); None when nothing
    is listed or there is no such person. Pages cache what they render from it."""
    state, latest, version = _read_key_parts(session, user_id)
    span = resolve_range(session, since, until, latest=latest)
    if span is None or state.hide_seen is None:
        return None
    return RadarKey(database_key(session), user_id, span, version, state)


def rank_for_key(session: Session, key: RadarKey, *, limit: int, now: datetime) -> list[RadarEntry]:
    """The radar `key` describes, computed once per key (and CACHE_TTL) in this process."""
    cached = _rankings.get(key)
    if cached is None or now - cached.computed_at >= CACHE_TTL:
        entries = tuple(_compute(session, key.user_id, key.span, key.version, key.state))
        cached = Ranking(entries, now)
        _rankings.put(key, cached)
    return list(cached.entries[: max(limit, 0)])


def resolve_range(
    session: Session, since: date | None, until: date | None, *, latest: date | None = None
) -> tuple[date, date] | None:
    """The range to rank: both ends given; one end alone (`until` alone is that day, `since`
    alone runs to the latest day); neither, the latest announcement day (`latest`, when the
    caller read it already). None: nothing listed."""
    if since is None and until is None:
        day = latest or latest_day(session)
        return (day, day) if day is not None else None
    if since is None:
        since = until
    if until is None:
        until = max(latest or latest_day(session) or since, since)
    assert since is not None and until is not None
    if since > until:
        raise RadarRangeError(f"the range starts ({since}) after it ends ({until})")
    if (until - since).days >= MAX_RANGE_DAYS:
        raise RadarRangeError(f"a radar covers at most {MAX_RANGE_DAYS} days")
    return since, until


def read_person_state(session: Session, user_id: int) -> PersonState:
    """The validators of a person's radar (see the module docstring)."""
    return _read_key_parts(session, user_id)[0]


def _read_key_parts(session: Session, user_id: int) -> tuple[PersonState, date | None, str]:
    """The person's state, the latest announcement day and the data version: two statements
    (the radar page reads them on every request, so they travel together)."""
    state, follows = _state_statements()
    row = session.execute(state, {"user_id": user_id}).one()
    # Follow rows are only ever inserted or deleted, so their fingerprint (count, sum of ids,
    # newest time: an id SQLite hands out again comes with a new time) tells whether this
    # process's copy is current; the rules are read only when it is not.
    rules_key = (database_key(session), user_id, *row[18:21])
    rules = _follow_rules.get(rules_key)
    if rules is None:
        found = session.execute(follows, {"user_id": user_id})
        rules = tuple(FollowRule(*f) for f in found)
        _follow_rules.put(rules_key, rules)
    person = PersonState(
        hide_seen=row[0],
        model_updated_at=row[1],
        stats_id=row[2],
        library=tuple(row[3:6]),
        feedback=tuple(row[6:12]),
        follows=rules,
        session_epoch=row[17],
    )
    return person, row[12], version_text(*row[13:17])


@lru_cache(maxsize=1)
def _state_statements() -> tuple[Select, Select]:
    # Built once with a `user_id` parameter: building twelve subqueries cost more per call than
    # running them (the warm path is a few milliseconds).
    user_id = bindparam("user_id", type_=Integer)
    saved = SavedPaper.user_id == user_id
    seen = (PaperFeedback.user_id == user_id, PaperFeedback.kind == SEEN)
    rejected = (PaperFeedback.user_id == user_id, PaperFeedback.kind == NOT_INTERESTED)
    state = select(
        select(User.hide_seen).where(User.id == user_id).scalar_subquery(),
        select(UserModel.updated_at).where(UserModel.user_id == user_id).scalar_subquery(),
        select(func.max(TermStatistics.id)).scalar_subquery(),
        *_fingerprint(SavedPaper.paper_id, SavedPaper.saved_at, saved),
        *_fingerprint(PaperFeedback.paper_id, PaperFeedback.created_at, *seen),
        *_fingerprint(PaperFeedback.paper_id, PaperFeedback.created_at, *rejected),
        select(func.max(PaperListing.listed_on)).scalar_subquery(),
        *version_columns(),
        select(User.session_epoch).where(User.id == user_id).scalar_subquery(),
        *_fingerprint(Follow.id, Follow.created_at, Follow.user_id == user_id),
    )
    follows = (
        select(Follow.kind, Follow.value, Follow.match_key, Follow.muted)
        .where(Follow.user_id == user_id)
        .order_by(Follow.id)
    )
    return state, follows


def _fingerprint(paper_id, stamp, *where: ColumnElement[bool]) -> list:
    """Count, sum of paper ids and newest time of some rows: any insert or delete changes one."""
    table = paper_id.table
    return [
        select(func.count()).select_from(table).where(*where).scalar_subquery(),
        select(func.coalesce(func.sum(paper_id), 0)).where(*where).scalar_subquery(),
        select(func.max(stamp)).where(*where).scalar_subquery(),
    ]


def _compute(
    session: Session, user_id: int, span: tuple[date, date], version: str, state: PersonState
) -> list[RadarEntry]:
    stats = stats_for(session, state.stats_id, version)
    candidates = load_candidates(session, *span, stats, version)
    if not candidates:
        return []
    profile = load_profile(session, user_id, [c.paper_id for c in candidates], state, stats)
    return rank_candidates(candidates, profile)


def load_profile(
    session: Session, user_id: int, ids: list[int], state: PersonState, stats: TermStats
) -> RadarProfile:
    """The person's side of the ranking: rules, hidden papers among `ids`, library, model."""
    hide = {NOT_INTERESTED, SEEN} if state.hide_seen else {NOT_INTERESTED}
    hidden = session.scalars(
        select(PaperFeedback.paper_id).where(
            PaperFeedback.user_id == user_id,
            PaperFeedback.kind.in_(sorted(hide)),
            one_of(session, PaperFeedback.paper_id, ids),
        )
    )
    in_library = select(SavedPaper.paper_id).where(SavedPaper.user_id == user_id)
    saved = sorted(session.scalars(in_library))
    vectors = paper_vectors(session, saved, stats)
    model = None
    if state.model_updated_at is not None:
        model = load_model(session, user_id, state.model_updated_at)
    return RadarProfile(
        follows=build_rule_set(r for r in state.follows if not r.muted),
        mutes=build_rule_set(r for r in state.follows if r.muted),
        hidden=frozenset(hidden),
        library=VectorIndex([(i, vectors[i]) for i in saved if i in vectors]),
        saved=frozenset(saved),
        model=model,
        source_labels=_source_labels(session, state.follows),
    )


def _source_labels(session: Session, follows: tuple[FollowRule, ...]) -> dict[int, str]:
    ids = sorted({int(f.match_key) for f in follows if f.kind == SOURCE and f.match_key.isdigit()})
    if not ids:
        return {}
    return dict(session.execute(select(Source.id, Source.label).where(Source.id.in_(ids))).all())


def invalidate_radar_cache(user_id: int) -> None:
    """Forget this process's rankings of one person (frees memory; never needed for
    correctness, see the module docstring)."""
    _rankings.discard_where(lambda key: key.user_id == user_id)


def highlight_terms(session: Session, user_id: int) -> HighlightSet:
    """The authors (match keys) and keywords a person follows, for highlighting on cards."""
    rows = session.execute(
        select(Follow.kind, Follow.value, Follow.match_key, Follow.muted).where(
            Follow.user_id == user_id, Follow.muted.is_(False)
        )
    )
    return build_highlights(FollowRule(*row) for row in rows)
