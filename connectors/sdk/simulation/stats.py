"""Requests counted by route, so a test can tell how many upstream calls a query cost."""

from __future__ import annotations

from collections import Counter

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

UNMATCHED = "(unmatched)"


class RequestStats:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def count(self, method: str, route: str) -> None:
        self._counts[f"{method} {route}"] += 1

    def reset(self) -> None:
        self._counts.clear()

    def as_json(self) -> dict[str, object]:
        return {"total": sum(self._counts.values()), "routes": dict(sorted(self._counts.items()))}


def route_template(routes: list[BaseRoute], scope: Scope) -> str:
    """The path template of the route that serves ``scope``: ``/api/v1/incidents/{id}``."""
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", UNMATCHED))
    return UNMATCHED
