"""A department's statuses on the hub's one lifecycle, kept as data beside its connector.

``statuses.yaml`` maps each upstream status to a ``hub.core.workorders.LifecycleStatus``:

    受理: ACCEPTED
    结案: CLOSED
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from hub.core.workorders import LifecycleStatus


class StatusMap:
    def __init__(self, mapping: dict[str, LifecycleStatus]) -> None:
        self._lifecycle = dict(mapping)

    @classmethod
    def load(cls, path: Path) -> StatusMap:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(entries, dict):
            raise ValueError(f"{path.name}: expected a mapping of status to lifecycle status")
        return cls({str(status): LifecycleStatus(value) for status, value in entries.items()})

    @property
    def statuses(self) -> list[str]:
        return list(self._lifecycle)

    def lifecycle(self, status: str) -> LifecycleStatus | None:
        """The lifecycle status of an upstream status; None for one the map lacks."""
        return self._lifecycle.get(status)

    def upstream(self, lifecycles: Iterable[LifecycleStatus]) -> set[str]:
        """Every upstream status that means one of ``lifecycles``."""
        wanted = set(lifecycles)
        return {status for status, value in self._lifecycle.items() if value in wanted}
