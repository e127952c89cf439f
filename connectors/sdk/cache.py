"""A bounded TTL cache of validated upstream answers.

The key always holds the caller's scope (see ``connectors.sdk.calls.CallScope``), so an
answer fetched for one caller is never served to another whose rights may differ.
Only answers that passed validation are stored: a broken answer is never replayed.
Expired answers go when they are next read, and at most a TTL later when nobody reads
them again (a change feed's pages, each under its own cursor).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    def __init__(
        self, ttl: float, max_entries: int = 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._next_sweep = clock() + ttl

    @property
    def enabled(self) -> bool:
        return self.ttl > 0 and self._max_entries > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        self._entries[key] = (now + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def _sweep(self, now: float) -> None:
        """Drops every expired answer: once a TTL, so a put costs O(1) on average.
        Without it, answers nobody asks for again stay until the cache is full:
        1,024 pages of decoded JSON a connector."""
        for key in [k for k, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[key]
        self._next_sweep = now + self.ttl

    def clear(self) -> None:
        self._entries.clear()
