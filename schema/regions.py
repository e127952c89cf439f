"""The region hierarchy: an interface ``Region`` and one type per level.

An interface rather than one type with a ``level`` field: each level has fields of
its own (a grid has workers and a party branch, a micro-grid its buildings), and a
client that asks for a ``Grid`` gets a type that has exactly those fields.
"""

from __future__ import annotations

from typing import TypeVar, cast

import strawberry

from hub.core.codes import InvalidCodeError, RegionLevel, WorkerRole, level_of, lineage
from hub.registry import model
from schema.connectors import grid_mixins
from schema.context import Info
from schema.crosswalk import CrosswalkEntry, crosswalk_entries
from schema.grid_events import READ, GridEvent, events_in_grid
from schema.pagination import Connection
from schema.people import GridWorker, PartyBranch
from schema.scalars import GeoJSON
from schema.security import list_size

strawberry.enum(
    RegionLevel, description="District → street/town → community/village → grid → micro-grid."
)
T = TypeVar("T", bound="Region")


@strawberry.type(description="A WGS84 coordinate.")
class GeoPoint:
    lat: float
    lon: float


GRID_READ = [["grid:read"]]


@strawberry.federation.interface(
    keys=["code"], description="A region at any level.", requires_scopes=GRID_READ
)
class Region:
    code: str = strawberry.field(description="Hierarchical code: 6, 9, 12, 15 or 18 digits.")
    name: str
    households: int
    population: int
    area_sqm: float = strawberry.field(description="Area in square metres.")
    centroid: GeoPoint = strawberry.field(description="A point inside the region.")
    record: strawberry.Private[model.Region]

    @strawberry.field
    def level(self) -> RegionLevel:
        return self.record.level

    @strawberry.field(description="The enclosing region; null for a district.")
    async def parent(self, info: Info) -> Region | None:
        code = self.record.parent_code
        return await load_region(info, code) if code else None

    @strawberry.field(
        description="The enclosing regions, district first.", directives=[list_size(assumed=4)]
    )
    async def ancestors(self, info: Info) -> list[Region]:
        found = await info.context.loaders.region.load_many(lineage(self.code)[:-1])
        return [region_type(r) for r in found if r]

    @strawberry.field(
        description="The regions one level down, in code order.",
        directives=[list_size(assumed=15)],
    )
    async def children(self, info: Info) -> list[Region]:
        return [region_type(r) for r in await info.context.loaders.children.load(self.code)]

    @strawberry.field(description="The boundary.")
    async def geometry(self, info: Info) -> GeoJSON | None:
        text = await info.context.loaders.geometry.load(self.code)
        return GeoJSON(text) if text else None

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Region | None:
        """Federation: ``_entities`` goes through the same batched loader as queries."""
        try:
            level_of(code)
        except InvalidCodeError:
            return None
        region = await load_region(info, code)
        return region if isinstance(region, cls) else None


async def load_region(info: Info, code: str) -> Region | None:
    record = await info.context.loaders.region.load(code)
    return region_type(record) if record else None


async def _load_as(info: Info, code: str, kind: type[T]) -> T:
    region = await load_region(info, code)
    if not isinstance(region, kind):
        raise LookupError(f"{code} is not a stored {kind.__name__}")
    return region


async def _children_as(info: Info, code: str, kind: type[T]) -> list[T]:
    return [cast("T", region_type(r)) for r in await info.context.loaders.children.load(code)]


@strawberry.federation.type(
    keys=["code"], description="区/县: a district.", requires_scopes=GRID_READ
)
class District(Region):
    @strawberry.field(description="Its streets and towns.", directives=[list_size(assumed=15)])
    async def streets(self, info: Info) -> list[Street]:
        return await _children_as(info, self.code, Street)


@strawberry.federation.type(
    keys=["code"], description="街道/镇: a street or town.", requires_scopes=GRID_READ
)
class Street(Region):
    @strawberry.field
    async def district(self, info: Info) -> District:
        return await _load_as(info, self.code[:6], District)

    @strawberry.field(
        description="Its communities and villages (总网格).", directives=[list_size(assumed=15)]
    )
    async def communities(self, info: Info) -> list[Community]:
        return await _children_as(info, self.code, Community)


@strawberry.federation.type(
    keys=["code"], description="社区/村: a community or village.", requires_scopes=GRID_READ
)
class Community(Region):
    @strawberry.field
    async def street(self, info: Info) -> Street:
        return await _load_as(info, self.code[:9], Street)

    @strawberry.field(directives=[list_size(assumed=15)])
    async def grids(self, info: Info) -> list[Grid]:
        return await _children_as(info, self.code, Grid)


# Each connector contributes a mixin of Grid fields (its department's records here).
GRID_MIXINS: tuple[type, ...] = grid_mixins()


@strawberry.federation.type(
    keys=["code"], description="网格: a grid of 300–500 households.", requires_scopes=GRID_READ
)
class Grid(Region, *GRID_MIXINS):  # type: ignore[misc] # mypy cannot follow composed bases
    @strawberry.field
    async def community(self, info: Info) -> Community:
        return await _load_as(info, self.code[:12], Community)

    @strawberry.field(name="microGrids", directives=[list_size(assumed=10)])
    async def micro_grids(self, info: Info) -> list[MicroGrid]:
        return await _children_as(info, self.code, MicroGrid)

    @strawberry.field(
        description="网格员: the grid's staff, optionally of one role.",
        directives=[list_size(assumed=10)],
    )
    async def workers(self, info: Info, role: WorkerRole | None = None) -> list[GridWorker]:
        staff = await info.context.loaders.workers.load(self.code)
        return [GridWorker.of(w) for w in staff if role is None or w.role is role]

    @strawberry.field(description="网格长: the grid leader.")
    async def leader(self, info: Info) -> GridWorker | None:
        leaders = await self.workers(info, WorkerRole.LEADER)
        return leaders[0] if leaders else None

    @strawberry.field(name="partyBranch", description="网格党支部 serving this grid.")
    async def party_branch(self, info: Info) -> PartyBranch | None:
        branch = await info.context.loaders.branch_of_grid.load(self.code)
        return PartyBranch.of(branch) if branch else None

    @strawberry.federation.field(
        requires_scopes=GRID_READ,
        description="多网合一: department grids overlapping this grid, by department, "
        "largest share first; optionally of one department.",
    )
    def crosswalk(self, info: Info, department: str | None = None) -> list[CrosswalkEntry]:
        return crosswalk_entries(info, self.code, department)

    events: Connection[GridEvent] = strawberry.federation.field(
        resolver=events_in_grid,
        requires_scopes=READ,
        description="The grid's events, newest first.",
    )


@strawberry.federation.type(
    keys=["code"], description="微网格: one or a few buildings.", requires_scopes=GRID_READ
)
class MicroGrid(Region):
    address: str | None = strawberry.field(description="Building-level address.")

    @strawberry.field
    async def grid(self, info: Info) -> Grid:
        return await _load_as(info, self.code[:15], Grid)

    @strawberry.field
    async def community(self, info: Info) -> Community:
        return await _load_as(info, self.code[:12], Community)

    @strawberry.field(description="微网格长: the micro-grid's lead.")
    async def lead(self, info: Info) -> GridWorker | None:
        staff = await info.context.loaders.workers.load(self.code[:15])
        return next((GridWorker.of(w) for w in staff if w.micro_grid_code == self.code), None)


_TYPES: dict[RegionLevel, type[Region]] = {
    RegionLevel.DISTRICT: District,
    RegionLevel.STREET: Street,
    RegionLevel.COMMUNITY: Community,
    RegionLevel.GRID: Grid,
    RegionLevel.MICRO_GRID: MicroGrid,
}
REGION_TYPES: tuple[type[Region], ...] = tuple(_TYPES.values())


def region_type(record: model.Region) -> Region:
    """The graph object for a stored region, typed by its level."""
    fields = {
        "code": record.code,
        "name": record.name,
        "households": record.households,
        "population": record.population,
        "area_sqm": record.area_sqm,
        "centroid": GeoPoint(lat=record.centroid_lat, lon=record.centroid_lon),
        "record": record,
    }
    if record.level is RegionLevel.MICRO_GRID:
        return MicroGrid(address=record.address, **fields)  # type: ignore[arg-type]
    return _TYPES[record.level](**fields)  # type: ignore[arg-type]
