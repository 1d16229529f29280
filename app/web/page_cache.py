"""Answers kept per process, keyed by their ETag (app version, data version and URL).

The announcement data changes about once a day; between changes, a read view's answer is a pure
function of its URL, so the same URL is answered from memory. A new data version makes every old
key unreachable; entries leave least recently used first, within a byte budget.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

MAX_BYTES = 64 * 1024 * 1024
MAX_ENTRY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class CachedAnswer:
    """A 200 answer as it was sent: its headers (validators included) and body."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


class PageCache:
    """A byte-bounded LRU of answers; safe to share between the threads of one worker."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._answers: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._lock = Lock()

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: str, answer: CachedAnswer) -> None:
        if len(answer.body) > MAX_ENTRY_BYTES:
            return
        with self._lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                self.size -= len(previous.body)
            self._answers[key] = answer
            self.size += len(answer.body)
            while self.size > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self.size -= len(dropped.body)
