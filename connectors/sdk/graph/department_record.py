"""What every department record has in the graph, and how a client narrows a list of them."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

import strawberry

from connectors.sdk.graph.lifecycle import LifecycleStatus
from hub.core.errors import BadUserInputError


@strawberry.interface(description="A record of a department system, placed in a unified grid.")
class DepartmentRecord:
    id: strawberry.ID = strawberry.field(description="The department system's own id.")
    department: str = strawberry.field(description="The department's code.")
    grid_code: str = strawberry.field(description="The unified grid (15 digits) it lies in.")
    department_grid: str | None = strawberry.field(
        description="The department's own grid or area the record names (警格, 单元网格, …)."
    )
    approximate: bool = strawberry.field(
        description="True when placed by its department grid because it has no usable point: "
        "the unified grid is the one covering most of that department grid."
    )
    occurred_at: datetime = strawberry.field(
        description="When it began: reported, accepted or authored."
    )
    category: str = strawberry.field(description="The department's own category code.")
    status: str = strawberry.field(description="The department's own status.")
    lifecycle_status: LifecycleStatus | None = strawberry.field(
        description="The status on the hub's lifecycle; null where the department's has none."
    )


@strawberry.input(description="Narrows a grid's records; every condition given must hold.")
class RecordFilter:
    since: datetime | None = strawberry.field(default=None, description="At or after.")
    until: datetime | None = strawberry.field(default=None, description="Before.")
    status: list[str] | None = strawberry.field(
        default=None, description="Any of these department statuses."
    )
    category: list[str] | None = strawberry.field(
        default=None, description="Any of these department category codes."
    )
    lifecycle: list[LifecycleStatus] | None = strawberry.field(
        default=None, description="Any of these lifecycle statuses."
    )

    def check(self) -> None:
        for name, moment in (("since", self.since), ("until", self.until)):
            if moment is not None and moment.tzinfo is None:
                raise BadUserInputError(f"{name} needs a UTC offset, as in +08:00", argument=name)

    def key(self) -> Hashable:
        """Equal for equal filters: one loader serves every field with the same filter."""
        return (
            self.since,
            self.until,
            *(frozenset(v) if v is not None else None for v in self._sets()),
        )

    def _sets(self) -> tuple[list[str] | None, list[str] | None, list[LifecycleStatus] | None]:
        return self.status, self.category, self.lifecycle

    def reads(self) -> frozenset[str]:
        """The mapped fields ``holds`` needs: read before the rest of a record, so a
        record the filter drops is never mapped whole."""
        names = set()
        if self.since is not None or self.until is not None:
            names.add("occurred_at")
        if self.status is not None or self.lifecycle is not None:
            names.add("status")  # a lifecycle status is the department status's
        if self.category is not None:
            names.add("category")
        return frozenset(names)

    def holds(self, fields: Mapping[str, Any], lifecycle: LifecycleStatus | None) -> bool:
        """Whether a record whose mapped ``fields`` (those ``reads`` names) and lifecycle
        status are these passes the filter."""
        return (
            (self.since is None or fields["occurred_at"] >= self.since)
            and (self.until is None or fields["occurred_at"] < self.until)
            and (self.status is None or fields["status"] in self.status)
            and (self.category is None or fields["category"] in self.category)
            and (self.lifecycle is None or lifecycle in self.lifecycle)
        )

    def admits(self, record: DepartmentRecord) -> bool:
        fields = {
            "occurred_at": record.occurred_at,
            "status": record.status,
            "category": record.category,
        }
        return self.holds(fields, record.lifecycle_status)
