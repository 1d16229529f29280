"""Shuffle: a seeded permutation of paper ids, and seeded draws from a filtered set."""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.db import one_of
from app.models import Paper
from app.search import SearchQuery, matching_ids

MAX_DRAWN = 10_000  # cards a shuffle reaches; deeper pages are empty
DRAW_BATCH = (64, 4_000)  # ids probed per query when drawing from a large set
PROBE_BUDGET = 100_000  # ranks probed before a sparse set is fetched whole instead


class SeededPermutation:
    """A seeded bijection on [0, 2**bits): the draw order of a shuffle.

    A shuffle lists ids by their rank under the permutation, so a filtered shuffle is the
    unfiltered one with other papers left out, new papers slot in without reordering the rest,
    and the order is plain integer arithmetic: the same on every database and machine.
    """

    ROUNDS = 4

    def __init__(self, seed: int, bits: int) -> None:
        self.bits = bits
        self.mask = (1 << bits) - 1
        self.shift = (bits + 1) // 2  # x ^ x >> shift, with 2 * shift >= bits, is its own inverse
        digest = hashlib.blake2b(str(seed).encode(), digest_size=16 * self.ROUNDS).digest()
        words = [int.from_bytes(digest[i : i + 8], "little") for i in range(0, len(digest), 8)]
        keys = [w & self.mask for w in words[0::2]]
        multipliers = [(w | 1) & self.mask for w in words[1::2]]  # odd: invertible mod 2**bits
        self._rounds = list(zip(keys, multipliers, strict=True))
        inverses = [pow(m, -1, 1 << bits) for m in multipliers]
        self._inverse_rounds = list(zip(keys, inverses, strict=True))[::-1]

    def rank(self, value: int) -> int:
        """Where `value` comes in the draw (0 first)."""
        mask, shift = self.mask, self.shift
        for key, multiplier in self._rounds:
            value = ((value ^ key) * multiplier) & mask
            value ^= value >> shift
        return value

    def value(self, rank: int) -> int:
        """The value drawn at `rank` (the inverse of `rank`)."""
        mask, shift = self.mask, self.shift
        for key, inverse in self._inverse_rounds:
            rank ^= rank >> shift
            rank = ((rank * inverse) & mask) ^ key
        return rank


def permutation_for(seed: int, max_id: int) -> SeededPermutation:
    """The permutation a shuffle with `seed` uses over ids up to `max_id` (at least 2**16 wide, so
    small collections are mixed as well as large ones)."""
    return SeededPermutation(seed, max(16, max_id.bit_length()))


def draw_order(permutation: SeededPermutation, ids: Iterable[int], count: int) -> list[int]:
    """The first `count` of `ids` in the draw order."""
    return heapq.nsmallest(count, ids, key=permutation.rank)


def draw_page(
    session: Session,
    matching: Select,
    seed: int,
    offset: int,
    size: int,
    *,
    candidates: Sequence[int] | None = None,
    search: SearchQuery | None = None,
) -> tuple[list[int], bool]:
    """Ids `offset`… of the seeded draw from `matching` (a select of paper ids, narrowed further
    by `search`), and whether more follow. Given every matching id (`candidates`, a small set),
    they are put in draw order; otherwise the draw order is walked, a batch of candidate ids at
    a time, checking which exist and match, so neither sorts nor scans the table (DESIGN:
    shuffle). Both give the same draw."""
    if offset >= MAX_DRAWN:
        return [], False
    need = min(offset + size, MAX_DRAWN) + 1
    max_id = session.scalar(select(func.max(Paper.id))) or 0
    permutation = permutation_for(seed, max_id)
    if candidates is not None:
        drawn = draw_order(permutation, candidates, need)
    else:
        drawn = _probe(session, matching, search, permutation, max_id, need)
    page = drawn[offset : offset + size]
    return page, len(drawn) > offset + size and offset + size < MAX_DRAWN


def _probe(
    session: Session,
    matching: Select,
    search: SearchQuery | None,
    permutation: SeededPermutation,
    max_id: int,
    need: int,
) -> list[int]:
    """Walk the draw order, keeping the ids that exist and match, until `need` are found.

    A set too sparse for that (two large filters that barely overlap) is fetched whole once
    PROBE_BUDGET ranks found too few: it is small then, and the draw comes out the same.
    """
    found: list[int] = []
    rank, batch, size = 0, max(DRAW_BATCH[0], 2 * need), 1 << permutation.bits
    while len(found) < need and rank < size:
        if rank >= PROBE_BUDGET:
            everything = list(session.scalars(matching))
            if search is not None:
                keep = matching_ids(session, Paper.id, search, everything)
                everything = [i for i in everything if i in keep]
            return draw_order(permutation, everything, need)
        stop = min(rank + batch, size)
        candidates = [v for v in map(permutation.value, range(rank, stop)) if 0 < v <= max_id]
        rank = stop
        if candidates:
            present = present_ids(session, matching, search, candidates)
            found.extend(v for v in candidates if v in present)
        density = max(len(found), 1) / rank  # a lower bound while nothing has been found
        batch = int(min(DRAW_BATCH[1], max(DRAW_BATCH[0], 1.25 * (need - len(found)) / density)))
    return found[:need]


def present_ids(
    session: Session, matching: Select, search: SearchQuery | None, ids: list[int]
) -> set[int]:
    """Which of `ids` exist and match (`matching`, then the query)."""
    found = set(session.scalars(matching.where(one_of(session, Paper.id, ids))))
    if search is not None and found:
        found &= matching_ids(session, Paper.id, search, sorted(found))
    return found
