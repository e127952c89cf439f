"""The spatial crosswalk in the graph: the department grids overlapping a unified grid."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.core.errors import BadUserInputError
from hub.crosswalk import DepartmentGridShape, entries
from hub.security.principal import GridScope
from schema.codes import parse_code
from schema.context import Info
from schema.scalars import GeoJSON
from schema.security import grid_scope, list_size


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


@strawberry.type(
    description="A department's own grid (警格, 单元网格, service area) with its outline."
)
class DepartmentGrid:
    department: str = strawberry.field(description="The department's code.")
    code: str = strawberry.field(description="The department's own code for its grid.")
    name: str | None
    area_sqm: float = strawberry.field(description="Its area, in square metres.")
    geometry: GeoJSON = strawberry.field(description="The outline its scheme drew.")

    @classmethod
    def of(cls, shape: DepartmentGridShape) -> DepartmentGrid:
        return cls(
            department=shape.department,
            code=shape.code,
            name=shape.name,
            area_sqm=shape.area_sqm,
            geometry=GeoJSON(shape.geometry),
        )


@strawberry.type
class CrosswalkQuery:
    @strawberry.federation.field(
        name="departmentGrids",
        description="多网合一 on a map: a department's grids overlapping a region (the "
        "whole district if absent), with their outlines, in code order. A grid-scoped "
        "principal gets those overlapping its own grids.",
        requires_scopes=[["grid:read"]],
        directives=[list_size(assumed=100)],
    )
    async def department_grids(
        self,
        info: Info,
        department: str,
        within: Annotated[str | None, strawberry.argument(description="A region's code.")] = None,
    ) -> list[DepartmentGrid]:
        crosswalk = info.context.services.crosswalk
        if department not in crosswalk.departments:
            raise BadUserInputError(f"unknown department {department!r}", argument="department")
        if within is not None:
            parse_code(within, "within")
        regions = _regions(grid_scope(info), within)
        return [DepartmentGrid.of(s) for s in await crosswalk.shapes(department, regions)]


def _regions(scope: GridScope, within: str | None) -> list[str]:
    """The region codes to look in: ``within`` cut to what the principal may see."""
    if scope.roots is None:
        return [within or ""]
    if within is None:
        return list(scope.roots)
    inside = [root for root in scope.roots if root.startswith(within)]
    return inside or ([within] if scope.contains(within) else [])
