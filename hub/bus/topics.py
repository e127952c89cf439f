"""Topic and consumer-group names, documented in ``contracts/asyncapi.yaml``.

A namespace prefixes every name, so several hubs (staging and production, or the
tests) can share one broker without reading each other's events.
"""

from __future__ import annotations

from dataclasses import dataclass

GRID_EVENTS = "grid.events"
DEAD_LETTERS = "grid.events.dlq"
DISPATCH = "dept.{department}.dispatch"


@dataclass(frozen=True, slots=True)
class Topics:
    namespace: str = ""

    @property
    def grid_events(self) -> str:
        return self.namespace + GRID_EVENTS

    @property
    def dead_letters(self) -> str:
        return self.namespace + DEAD_LETTERS

    def dispatch(self, department: str) -> str:
        return self.namespace + DISPATCH.format(department=department)

    def group(self, name: str) -> str:
        """A consumer group: ``hub.router``, ``hub.ledger``, ``hub.dispatch.<department>``."""
        return f"{self.namespace}hub.{name}"

    def all(self, departments: list[str]) -> list[str]:
        return [self.grid_events, self.dead_letters, *map(self.dispatch, departments)]
