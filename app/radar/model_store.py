"""Each person's model in `user_models`: trained from their library and feedback, updated after
every save, unsave or "not interested", read by the ranking (app.radar.ranking).

Callers own the transaction (they commit). The stored JSON is the truth: every web replica and
worker reads the same model; a process keeps a parsed copy keyed by the row's `updated_at`.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import one_of
from app.lru import LruCache
from app.models import Paper, PaperFeedback, SavedPaper, UserModel
from app.radar.model import (
    Change,
    LinearModel,
    ModelFormatError,
    fit_model,
    model_from_json,
    model_to_json,
)
from app.radar.model import update_model as update_weights
from app.radar.stats_store import current_stats
from app.radar.vector_store import database_key, paper_vectors
from app.text_terms import readable_term, surface_forms

NOT_INTERESTED = "not_interested"
RETRAIN_AFTER_UPDATES = 50  # incremental updates drift a little; start afresh now and then
LARGE_CHANGE = 20  # more changed papers than this (an import) retrain instead
REPLAY = 8  # earlier positives revisited by an update
UPDATE_BACKGROUND = 24  # fresh other papers per update
BACKGROUND_RANGE = (200, 1_000)  # other papers in a full training: twice the positives, bounded
MAX_NEGATIVES = 2_000  # the newest "not interested" marks a training uses

_models = LruCache[LinearModel](64)
_top_terms = LruCache[list[tuple[str, float]]](64)


@dataclass(frozen=True)
class ModelSummary:
    """What the stored model now holds, and how it got there."""

    user_id: int
    positives: int
    negatives: int
    weights: int
    retrained: bool  # a full training (else an incremental update, or nothing to learn)
    updated_at: datetime


@dataclass(frozen=True)
class ModelMemory:
    """Memory of one person's model: its stored JSON, and its parsed form in a process."""

    stored_bytes: int
    loaded_bytes: int


def person_labels(session: Session, user_id: int) -> tuple[set[int], set[int]]:
    """(saved paper ids, "not interested" paper ids); a saved paper is never a negative."""
    saved = set(session.scalars(select(SavedPaper.paper_id).where(SavedPaper.user_id == user_id)))
    rejected = set(
        session.scalars(
            select(PaperFeedback.paper_id).where(
                PaperFeedback.user_id == user_id, PaperFeedback.kind == NOT_INTERESTED
            )
        )
    )
    return saved, rejected - saved


def update_model(session: Session, user_id: int, *, now: datetime) -> ModelSummary:
    """Bring the stored model up to date with the library and feedback after a change: an
    incremental update (milliseconds) when the change is small, else a full training."""
    # Locked (PostgreSQL; SQLite writers queue anyway) so two replicas updating one person's
    # model one after the other each start from the other's result.
    row = session.get(UserModel, user_id, with_for_update=True)
    saved, rejected = person_labels(session, user_id)
    stats = current_stats(session)
    model = _parse(row.body) if row is not None else None
    if (
        model is None
        or not model.trained
        or model.stats_key != stats.key
        or model.updates >= RETRAIN_AFTER_UPDATES
    ):
        return retrain_model(session, user_id, now=now)
    added, removed = saved - set(model.positives), set(model.positives) - saved
    marked, unmarked = rejected - set(model.negatives), set(model.negatives) - rejected
    size = len(added) + len(removed) + len(marked) + len(unmarked)
    if size == 0:
        return _summary(user_id, model, retrained=False, updated_at=row.updated_at)
    if size > LARGE_CHANGE or not saved:
        return retrain_model(session, user_id, now=now)
    rng = random.Random(f"{user_id}:{model.updates}")
    replay = rng.sample(sorted(saved - added), min(REPLAY, len(saved - added)))
    background = background_ids(session, UPDATE_BACKGROUND, saved | rejected, rng.random())
    vectors = paper_vectors(
        session, sorted({*added, *removed, *marked, *unmarked, *replay, *background}), stats
    )

    def pairs(ids: set[int]):
        return [(i, vectors[i]) for i in sorted(ids) if i in vectors]

    change = Change(pairs(added), pairs(marked), pairs(removed), pairs(unmarked))
    updated = update_weights(
        model,
        change,
        [vectors[i] for i in replay if i in vectors],
        [vectors[i] for i in background if i in vectors],
        seed=rng.randrange(1 << 30),
    )
    return _store(session, user_id, updated, now, retrained=False)


def retrain_model(session: Session, user_id: int, *, now: datetime) -> ModelSummary:
    """Train the model afresh from every saved paper, the newest "not interested" marks and a
    background sample of other papers, and store it. The caller commits."""
    saved, rejected = person_labels(session, user_id)
    negatives = sorted(rejected)[-MAX_NEGATIVES:]
    low, high = BACKGROUND_RANGE
    count = min(high, max(low, 2 * len(saved))) if saved else 0
    background = background_ids(session, count, saved | rejected, user_id)
    stats = current_stats(session)
    vectors = paper_vectors(session, sorted({*saved, *negatives, *background}), stats)
    model = fit_model(
        [(i, vectors[i]) for i in sorted(saved) if i in vectors],
        [(i, vectors[i]) for i in negatives if i in vectors],
        [vectors[i] for i in background if i in vectors],
        seed=user_id,
        stats_key=stats.key,
    )
    return _store(session, user_id, model, now, retrained=True)


def background_ids(session: Session, count: int, exclude: set[int], seed: float) -> list[int]:
    """About `count` ids of other papers drawn at random from the whole id range (a few index
    probes, never a scan); in a small collection, every other paper."""
    if count <= 0:
        return []
    low, high = session.execute(select(func.min(Paper.id), func.max(Paper.id))).one()
    if low is None:
        return []
    rng = random.Random(seed)
    span = high - low + 1
    if span <= 4 * (count + len(exclude)):
        everything = [i for i in session.scalars(select(Paper.id)) if i not in exclude]
        return sorted(rng.sample(everything, min(count, len(everything))))
    drawn = rng.sample(range(low, high + 1), count + count // 2 + len(exclude))
    present = set(session.scalars(select(Paper.id).where(one_of(session, Paper.id, drawn))))
    return [i for i in drawn if i in present and i not in exclude][:count]


def _parse(body: str) -> LinearModel | None:
    try:
        return model_from_json(body)
    except (ModelFormatError, ValueError, KeyError, TypeError):
        return None  # written by another version: retrained from the labels, nothing lost


def _store(
    session: Session, user_id: int, model: LinearModel, now: datetime, *, retrained: bool
) -> ModelSummary:
    row = session.get(UserModel, user_id)
    if row is None:
        row = UserModel(user_id=user_id)
        session.add(row)
    row.body = model_to_json(model)
    row.positives = len(model.positives)
    row.updated_at = now
    session.flush()
    _models.put((database_key(session), user_id, now), model)
    return _summary(user_id, model, retrained=retrained, updated_at=now)


def _summary(user_id: int, model: LinearModel, *, retrained: bool, updated_at) -> ModelSummary:
    return ModelSummary(
        user_id=user_id,
        positives=len(model.positives),
        negatives=len(model.negatives),
        weights=len(model.weights),
        retrained=retrained,
        updated_at=updated_at,
    )


def user_ids_with_models(session: Session) -> list[int]:
    """Everyone with a stored model (the nightly retraining's list)."""
    return list(session.scalars(select(UserModel.user_id).order_by(UserModel.user_id)))


def model_updated_at(session: Session, user_id: int) -> datetime | None:
    """When the stored model last changed (None: there is none)."""
    return session.scalar(select(UserModel.updated_at).where(UserModel.user_id == user_id))


def load_model(
    session: Session, user_id: int, updated_at: datetime | None = None
) -> LinearModel | None:
    """The person's stored model, parsed once per process per version (`updated_at`, read here
    when not given); None when there is none or it cannot be read."""
    if updated_at is None:
        updated_at = model_updated_at(session, user_id)
        if updated_at is None:
            return None
    key = (database_key(session), user_id, updated_at)
    model = _models.get(key)
    if model is None:
        body = session.scalar(select(UserModel.body).where(UserModel.user_id == user_id))
        model = _parse(body) if body is not None else None
        if model is None:
            return None
        _models.put(key, model)
    return model


def model_top_terms(session: Session, user_id: int, limit: int = 20) -> list[tuple[str, float]]:
    """What the model learned: the terms it weighs most for a paper, written as the saved
    papers write them ("bias", not the stem "bia"), with their weights."""
    updated_at = model_updated_at(session, user_id)
    model = load_model(session, user_id, updated_at)
    if model is None or not model.trained:
        return []
    key = (database_key(session), user_id, updated_at, limit)
    found = _top_terms.get(key)
    if found is None:
        top = model.top_terms(limit)
        forms = _written_forms(session, model.positives)
        found = [(readable_term(term, forms), round(weight, 4)) for term, weight in top]
        _top_terms.put(key, found)
    return found


def _written_forms(session: Session, ids: tuple[int, ...]) -> dict[str, str]:
    rows = session.execute(
        select(Paper.title, Paper.abstract).where(one_of(session, Paper.id, list(ids)))
    )
    return surface_forms(f"{title}. {abstract or ''}" for title, abstract in rows)


def model_memory(session: Session, user_id: int) -> ModelMemory | None:
    """Bytes of the person's stored model and of its parsed form in a process (for
    bench/radar.py); None when there is no model."""
    body = session.scalar(select(UserModel.body).where(UserModel.user_id == user_id))
    model = _parse(body) if body is not None else None
    if model is None:
        return None
    return ModelMemory(stored_bytes=len(body.encode()), loaded_bytes=_deep_size(model))


def _deep_size(model: LinearModel) -> int:
    size = sys.getsizeof(model) + sys.getsizeof(model.weights)
    size += sum(sys.getsizeof(t) + sys.getsizeof(w) for t, w in model.weights.items())
    for ids in (model.positives, model.negatives):
        size += sys.getsizeof(ids) + sum(sys.getsizeof(i) for i in ids)
    return size
