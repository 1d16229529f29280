"""Each person's learned model (pure): logistic regression over TF-IDF vectors, trained by SGD.

Like arxiv-sanity-lite's per-person SVM over TF-IDF, but with a loss that gives probabilities (so
"the model is confident" has a meaning for the radar's reasons) and that can be updated in place:
positives are saved papers, negatives the "not interested" ones (weighted NOT_INTERESTED_WEIGHT)
plus a sample of other papers; classes are balanced by weight. A full training runs EPOCHS passes
with a decaying step (Bottou's schedule, L2 by scaling); an update after one save warm-starts from
the stored weights and takes a few passes over the change, a replay of earlier positives and a
fresh background sample, so it costs milliseconds. Only the MAX_WEIGHTS largest weights are kept.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from app.radar.vectors import TermVector

FORMAT = 1
MAX_WEIGHTS = 3_000
L2 = 1e-4
EPOCHS = 8
LEARNING_RATE = 0.5
UPDATE_EPOCHS = 4
UPDATE_LEARNING_RATE = 0.25
NOT_INTERESTED_WEIGHT = 2.0  # "not interested" says more than "one of the other papers"


@dataclass(frozen=True)
class Example:
    """One training example: label 1 for a saved paper, 0 for the others; `weight` balances."""

    vector: TermVector
    label: float
    weight: float


@dataclass(frozen=True)
class LinearModel:
    """Weights over terms and a bias; `positives`/`negatives` are the paper ids it learned from."""

    weights: Mapping[str, float] = field(default_factory=dict)
    bias: float = 0.0
    positives: tuple[int, ...] = ()
    negatives: tuple[int, ...] = ()
    class_weights: tuple[float, float] = (1.0, 1.0)  # positive, background negative
    updates: int = 0  # incremental updates since the last full training
    stats_key: str = ""  # the term statistics its vectors were built with

    @property
    def trained(self) -> bool:
        return bool(self.positives) and bool(self.weights)

    def logit(self, vector: TermVector) -> float:
        return self.bias + vector.dot(self.weights)

    def probability(self, vector: TermVector) -> float:
        """How likely the person is to save the paper, as the model sees it."""
        return _sigmoid(self.logit(vector))

    def contributions(self, vector: TermVector, limit: int) -> list[str]:
        """The terms of `vector` that raise its score most (for a reason)."""
        get = self.weights.get
        parts = [(w * get(t, 0.0), t) for t, w in zip(vector.terms, vector.weights, strict=True)]
        parts = [part for part in parts if part[0] > 0]
        parts.sort(key=lambda part: (-part[0], part[1]))
        return [term for _, term in parts[:limit]]

    def top_terms(self, limit: int, *, negative: bool = False) -> list[tuple[str, float]]:
        """The terms it weighs most for (or, `negative`, against) a paper."""
        sign = -1.0 if negative else 1.0
        chosen = [(t, w) for t, w in self.weights.items() if sign * w > 0]
        chosen.sort(key=lambda item: (-sign * item[1], item[0]))
        return chosen[:limit]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def fit_model(
    positives: Sequence[tuple[int, TermVector]],
    negatives: Sequence[tuple[int, TermVector]],
    background: Sequence[TermVector],
    *,
    seed: int,
    stats_key: str,
) -> LinearModel:
    """A model trained from scratch on saved papers, "not interested" papers and a background."""
    if not positives:
        return LinearModel(negatives=tuple(i for i, _ in negatives), stats_key=stats_key)
    negative_total = NOT_INTERESTED_WEIGHT * len(negatives) + len(background)
    class_weights = balance(len(positives), negative_total)
    wp, wn = class_weights
    examples = [Example(v, 1.0, wp) for _, v in positives]
    examples += [Example(v, 0.0, NOT_INTERESTED_WEIGHT * wn) for _, v in negatives]
    examples += [Example(v, 0.0, wn) for v in background]
    weights, bias = sgd({}, 0.0, examples, epochs=EPOCHS, rate=LEARNING_RATE, seed=seed)
    return LinearModel(
        weights=strongest(weights),
        bias=bias,
        positives=tuple(sorted(i for i, _ in positives)),
        negatives=tuple(sorted(i for i, _ in negatives)),
        class_weights=class_weights,
        stats_key=stats_key,
    )


def balance(positives: int, negatives: float) -> tuple[float, float]:
    """Per-example weights giving both classes the same total weight (scikit-learn's
    "balanced"); with no negatives, positives weigh 1."""
    if negatives <= 0:
        return (1.0, 1.0)
    total = positives + negatives
    return (total / (2.0 * positives), total / (2.0 * negatives))


@dataclass(frozen=True)
class Change:
    """What changed since the model was trained: papers saved, marked, unsaved or unmarked."""

    saved: Sequence[tuple[int, TermVector]] = ()
    rejected: Sequence[tuple[int, TermVector]] = ()  # marked "not interested"
    unsaved: Sequence[tuple[int, TermVector]] = ()
    unrejected: Sequence[tuple[int, TermVector]] = ()

    @property
    def size(self) -> int:
        return len(self.saved) + len(self.rejected) + len(self.unsaved) + len(self.unrejected)


def update_model(
    model: LinearModel,
    change: Change,
    replay: Sequence[TermVector],
    background: Sequence[TermVector],
    *,
    seed: int,
) -> LinearModel:
    """`model` warm-started and moved by `change`: a few passes over the changed papers, with a
    replay of earlier positives and a fresh background so it does not forget the rest. An unsaved
    or unmarked paper is pulled toward the prior (the bias), not made a negative: unsaving is
    not dislike."""
    wp, wn = model.class_weights
    prior = _sigmoid(model.bias)
    examples = [Example(v, 1.0, wp) for _, v in change.saved]
    examples += [Example(v, 0.0, NOT_INTERESTED_WEIGHT * wn) for _, v in change.rejected]
    examples += [Example(v, prior, wp) for _, v in change.unsaved]
    examples += [Example(v, prior, NOT_INTERESTED_WEIGHT * wn) for _, v in change.unrejected]
    examples += [Example(v, 1.0, wp) for v in replay]
    examples += [Example(v, 0.0, wn) for v in background]
    weights, bias = sgd(
        dict(model.weights),
        model.bias,
        examples,
        epochs=UPDATE_EPOCHS,
        rate=UPDATE_LEARNING_RATE,
        seed=seed,
    )
    positives = _apply(model.positives, change.saved, change.unsaved)
    negatives = _apply(model.negatives, change.rejected, change.unrejected)
    return replace(
        model,
        weights=strongest(weights),
        bias=bias,
        positives=positives,
        negatives=negatives,
        updates=model.updates + 1,
    )


def _apply(ids: tuple[int, ...], added, removed) -> tuple[int, ...]:
    kept = set(ids) - {i for i, _ in removed}
    return tuple(sorted(kept | {i for i, _ in added}))


def sgd(
    weights: dict[str, float],
    bias: float,
    examples: Sequence[Example],
    *,
    epochs: int,
    rate: float,
    seed: int,
) -> tuple[dict[str, float], float]:
    """Weighted logistic loss with L2, by SGD: `weights` = scale · v, so the L2 shrink of every
    weight is one multiplication per step (Bottou, "Stochastic Gradient Descent Tricks")."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    scale, step_count = 1.0, 0
    for _ in range(epochs):
        rng.shuffle(order)
        for index in order:
            example = examples[index]
            eta = rate / (1.0 + rate * L2 * step_count)
            step_count += 1
            z = bias + scale * example.vector.dot(weights)
            gradient = (_sigmoid(z) - example.label) * example.weight
            scale *= 1.0 - eta * L2
            if gradient:
                delta = eta * gradient / scale
                for term, x in zip(example.vector.terms, example.vector.weights, strict=True):
                    weights[term] = weights.get(term, 0.0) - delta * x
                bias -= eta * gradient
            if scale < 1e-3:
                weights = {t: w * scale for t, w in weights.items()}
                scale = 1.0
    return {t: w * scale for t, w in weights.items()}, bias


def strongest(weights: Mapping[str, float]) -> dict[str, float]:
    """The MAX_WEIGHTS weights largest in size (ties by term), the rest dropped."""
    kept = [(t, w) for t, w in weights.items() if w]
    if len(kept) > MAX_WEIGHTS:
        kept.sort(key=lambda item: (-abs(item[1]), item[0]))
        kept = kept[:MAX_WEIGHTS]
    return dict(kept)


def model_to_json(model: LinearModel) -> str:
    """The stored form (user_models.body): small, weights rounded to 6 significant digits."""
    body = {
        "format": FORMAT,
        "bias": round(model.bias, 6),
        "weights": {t: float(f"{w:.6g}") for t, w in sorted(model.weights.items())},
        "positives": list(model.positives),
        "negatives": list(model.negatives),
        "class_weights": [round(w, 6) for w in model.class_weights],
        "updates": model.updates,
        "stats_key": model.stats_key,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


class ModelFormatError(ValueError):
    """A stored model this code cannot read (another format); it is retrained."""


def model_from_json(text: str) -> LinearModel:
    """A model read back from `model_to_json`."""
    body = json.loads(text)
    if body.get("format") != FORMAT:
        raise ModelFormatError(f"model format {body.get('format')!r}, expected {FORMAT}")
    return LinearModel(
        weights=body["weights"],
        bias=float(body["bias"]),
        positives=tuple(body["positives"]),
        negatives=tuple(body["negatives"]),
        class_weights=tuple(body["class_weights"]),  # type: ignore[arg-type]
        updates=int(body["updates"]),
        stats_key=str(body["stats_key"]),
    )
