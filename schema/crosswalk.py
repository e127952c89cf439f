"""The spatial crosswalk in the graph: the department grids overlapping a unified grid."""

from __future__ import annotations

import strawberry

from hub.core.errors import BadUserInputError
from hub.crosswalk import entries
from schema.context import Info


@strawberry.type(
    description="多网合一: a department's own grid (警格, 单元网格, service area) "
    "overlapping a unified grid, and by how much."
)
class CrosswalkEntry:
    department: str = strawberry.field(description="The department's code.")
    code: str = strawberry.field(description="The department's own code for its grid.")
    share: float = strawberry.field(
        description="The share (0–1) of this grid's area that the department grid covers."
    )
    department_share: float = strawberry.field(
        description="The share (0–1) of the department grid's area that lies in this grid."
    )
    overlap_sqm: float = strawberry.field(description="The overlap, in square metres.")

    @classmethod
    def of(cls, entry: entries.CrosswalkEntry) -> CrosswalkEntry:
        return cls(
            department=entry.department,
            code=entry.department_code,
            share=entry.grid_share,
            department_share=entry.department_share,
            overlap_sqm=entry.overlap_sqm,
        )


def crosswalk_entries(info: Info, grid_code: str, department: str | None) -> list[CrosswalkEntry]:
    """From the in-memory crosswalk: no database round trip, however many grids ask."""
    crosswalk = info.context.services.crosswalk
    if department is not None and department not in crosswalk.departments:
        raise BadUserInputError(f"unknown department {department!r}", argument="department")
    return [CrosswalkEntry.of(e) for e in crosswalk.entries_for_grid(grid_code, department)]
