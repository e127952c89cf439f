"""Root query fields of the graph's core: the registry and the departments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import strawberry

from hub.core.codes import RegionLevel
from hub.core.errors import BadUserInputError
from schema.codes import parse_code
from schema.context import Info
from schema.departments import Department
from schema.pagination import (
    Connection,
    check_page_size,
    decode_cursor,
)
from schema.regions import Community, Grid, MicroGrid, Region, load_region, region_type
from schema.security import grid_scope, list_size

GRID_READ = [["grid:read"]]


@strawberry.type(description="Where a point lies.")
class GridLocation:
    grid: Grid
    micro_grid: MicroGrid | None = strawberry.field(
        description="Null where the grid has no micro-grid at that point."
    )
    community: Community


@strawberry.type
class RegistryQuery:
    @strawberry.federation.field(
        description="A region of any level by its code; null if unknown.",
        requires_scopes=GRID_READ,
    )
    async def region(self, info: Info, code: str) -> Region | None:
        parse_code(code)
        return await load_region(info, code)

    @strawberry.federation.field(
        description="A grid by its 15-digit code; null if unknown.", requires_scopes=GRID_READ
    )
    async def grid(self, info: Info, code: str) -> Grid | None:
        if parse_code(code) is not RegionLevel.GRID:
            raise BadUserInputError("a grid code has 15 digits", argument="code")
        region = await load_region(info, code)
        return region if isinstance(region, Grid) else None

    @strawberry.federation.field(
        description="Regions of one level, in code order, optionally within "
        "a region (a community's code gives its grids).",
        requires_scopes=GRID_READ,
        directives=[list_size(slicing=["first"], sized=["edges"])],
    )
    async def grids(
        self,
        info: Info,
        within: Annotated[
            str | None, strawberry.argument(description="An ancestor's code.")
        ] = None,
        level: RegionLevel = RegionLevel.GRID,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Region]:
        check_page_size(first, info.context.services.settings.graphql.max_page_size)
        if within is not None:
            parse_code(within, "within")
        start = decode_cursor(after) if after else None
        return await _region_page(info, _Page(level, within, start, first, grid_scope(info).roots))

    @strawberry.federation.field(
        name="gridAt",
        description="The grid and micro-grid containing a WGS84 point; null outside every grid.",
        requires_scopes=GRID_READ,
    )
    async def grid_at(self, info: Info, lat: float, lon: float) -> GridLocation | None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadUserInputError("lat must be within ±90 and lon within ±180")
        placement = info.context.services.registry.locate(lat, lon)
        if placement is None:
            return None
        codes = [placement.grid, placement.community, placement.micro_grid or placement.grid]
        grid, community, micro = await info.context.loaders.region.load_many(codes)
        micro = micro if placement.micro_grid else None
        if grid is None or community is None:  # the index is ahead of a deleted region
            return None
        return GridLocation(
            grid=region_type(grid),  # type: ignore[arg-type]
            micro_grid=region_type(micro) if micro else None,  # type: ignore[arg-type]
            community=region_type(community),  # type: ignore[arg-type]
        )

    @strawberry.federation.field(
        description="The departments that take grid events.",
        requires_scopes=GRID_READ,
        directives=[list_size(assumed=15)],
    )
    def departments(self, info: Info) -> list[Department]:
        return [Department.of(d) for d in info.context.services.departments]


@dataclass(frozen=True, slots=True)
class _Page:
    level: RegionLevel
    within: str | None
    after: str | None
    first: int
    visible: tuple[str, ...] | None  # a grid-scoped principal's grids; None for everyone else


async def _region_page(info: Info, asked: _Page) -> Connection[Region]:
    snapshot = info.context.loaders.snapshot
    first = asked.first
    rows = snapshot.page(asked.level, asked.within, asked.after, first + 1, asked.visible)

    async def count() -> int:
        return snapshot.count(asked.level, asked.within, asked.visible)

    return Connection[Region].of_rows(
        rows, first, asked.after, lambda r: r.code, region_type, count
    )
