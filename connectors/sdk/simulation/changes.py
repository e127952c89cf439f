"""An append-only log of changes, read from a sequence number on."""

from __future__ import annotations

from typing import Any


class ChangeLog:
    """Entries get sequence numbers from 1; ``after(n)`` is what a poller has not seen."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []

    @property
    def last(self) -> int:
        return len(self._entries)

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        stored = {"seq": len(self._entries) + 1, **entry}
        self._entries.append(stored)
        return stored

    def after(self, seq: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``limit`` entries after ``seq``, and whether more follow."""
        chunk = self._entries[seq : seq + limit]
        return chunk, seq + limit < len(self._entries)
