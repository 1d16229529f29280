"""Small per-process caches (least recently used out), all clearable at once; the radar's and
the rendered cards' alike.

Every cached value is keyed by what it was computed from (a data version, a build id, a row's
modification time), so a stale entry is never served: another process's change shows up as a new
key. Clearing only frees memory (tests clear between cases, whose databases reuse ids and times).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")
_REGISTRY: list[LruCache] = []


class LruCache(Generic[Value]):
    """A bounded mapping, safe to share between the web threads of one process."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()
        _REGISTRY.append(self)

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> None:
        """Drop the entries whose key matches (e.g. one person's)."""
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def clear_caches() -> None:
    """Empty every cache of this process."""
    for cache in _REGISTRY:
        cache.clear()
