"""Reading and writing the registry tables; every function takes the caller's session."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import asdict

from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.codes import RegionLevel, WorkerRole
from hub.core.geo import from_geojson, to_geojson
from hub.core.personal import Personal
from hub.db.registry_models import (
    GridWorkerRow,
    PartyBranchGridRow,
    PartyBranchRow,
    RegionRow,
    RegistryImportRow,
)
from hub.db.types import utcnow
from hub.db.upsert import upsert
from hub.registry import model
from hub.registry.parse import Batch

_REGION_COLUMNS = (
    RegionRow.code,
    RegionRow.level,
    RegionRow.name,
    RegionRow.parent_code,
    RegionRow.households,
    RegionRow.population,
    RegionRow.area_sqm,
    RegionRow.centroid_lat,
    RegionRow.centroid_lon,
    RegionRow.address,
)


# -- reads -----------------------------------------------------------------------------


async def regions(session: AsyncSession, codes: Collection[str]) -> dict[str, model.Region]:
    result = await session.execute(select(*_REGION_COLUMNS).where(RegionRow.code.in_(codes)))
    return {row.code: _region(row) for row in result}


async def children(
    session: AsyncSession, parents: Collection[str]
) -> dict[str, list[model.Region]]:
    statement = (
        select(*_REGION_COLUMNS).where(RegionRow.parent_code.in_(parents)).order_by(RegionRow.code)
    )
    grouped: dict[str, list[model.Region]] = defaultdict(list)
    for row in await session.execute(statement):
        grouped[row.parent_code].append(_region(row))
    return grouped


async def geometries(session: AsyncSession, codes: Collection[str]) -> dict[str, str]:
    """GeoJSON geometry text by code."""
    statement = select(RegionRow.code, RegionRow.geometry).where(RegionRow.code.in_(codes))
    rows = await session.execute(statement)
    return dict(rows.all())


async def page(
    session: AsyncSession,
    level: RegionLevel,
    within: str | None,
    after: str | None,
    limit: int,
    *,
    visible: Sequence[str] | None = None,
) -> list[model.Region]:
    """Regions of ``level`` under ``within``, in code order, starting after ``after``.

    ``visible`` limits them to those subtrees and the regions above them (a grid
    worker's grids); None means no limit.
    """
    statement = select(*_REGION_COLUMNS).where(*_scope(level, within, visible))
    if after is not None:
        statement = statement.where(RegionRow.code > after)
    result = await session.execute(statement.order_by(RegionRow.code).limit(limit))
    return [_region(row) for row in result]


async def count(
    session: AsyncSession,
    level: RegionLevel,
    within: str | None,
    *,
    visible: Sequence[str] | None = None,
) -> int:
    statement = select(func.count()).select_from(RegionRow).where(*_scope(level, within, visible))
    return int(await session.scalar(statement) or 0)


def _scope(
    level: RegionLevel, within: str | None, visible: Sequence[str] | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [RegionRow.level == level.value]
    if within:
        conditions.append(_subtree(within))
    if visible is not None:
        above = {root[:n] for root in visible for n in range(6, len(root), 3)}
        conditions.append(or_(RegionRow.code.in_(above), *(_subtree(r) for r in visible)))
    return conditions


def _subtree(code: str) -> ColumnElement[bool]:
    # Codes are prefixes of their descendants' codes; a range scan uses the key.
    return and_(RegionRow.code >= code, RegionRow.code < code + ":")


async def workers(
    session: AsyncSession, grid_codes: Collection[str]
) -> dict[str, list[model.GridWorker]]:
    statement = (
        select(GridWorkerRow)
        .where(GridWorkerRow.grid_code.in_(grid_codes))
        .order_by(GridWorkerRow.id)
    )
    grouped: dict[str, list[model.GridWorker]] = defaultdict(list)
    for row in await session.scalars(statement):
        grouped[row.grid_code].append(
            model.GridWorker(
                grid_code=row.grid_code,
                role=WorkerRole(row.role),
                name=Personal(row.name),
                phone=Personal(row.phone),
                micro_grid_code=row.micro_grid_code,
            )
        )
    return grouped


async def branches_of_grids(
    session: AsyncSession, grid_codes: Collection[str]
) -> dict[str, model.PartyBranch]:
    mapping = await session.execute(
        select(PartyBranchGridRow.grid_code, PartyBranchGridRow.branch_code).where(
            PartyBranchGridRow.grid_code.in_(grid_codes)
        )
    )
    branch_of: dict[str, str] = dict(mapping.all())
    loaded = await branches(session, set(branch_of.values()))
    return {grid: loaded[branch] for grid, branch in branch_of.items()}


async def branches(session: AsyncSession, codes: Collection[str]) -> dict[str, model.PartyBranch]:
    grids: dict[str, list[str]] = defaultdict(list)
    mapping = await session.execute(
        select(PartyBranchGridRow.branch_code, PartyBranchGridRow.grid_code)
        .where(PartyBranchGridRow.branch_code.in_(codes))
        .order_by(PartyBranchGridRow.grid_code)
    )
    for branch, grid in mapping:
        grids[branch].append(grid)
    rows = await session.scalars(select(PartyBranchRow).where(PartyBranchRow.code.in_(codes)))
    return {row.code: _branch(row, grids[row.code]) for row in rows}


async def everything(
    session: AsyncSession,
) -> tuple[list[model.Region], dict[str, list[model.GridWorker]], list[model.PartyBranch]]:
    """Every region (in code order), grid worker and party branch: a whole snapshot."""
    result = await session.execute(select(*_REGION_COLUMNS).order_by(RegionRow.code))
    regions_ = [_region(row) for row in result]
    grids = [r.code for r in regions_ if r.level is RegionLevel.GRID]
    workers_ = await workers(session, grids)
    branch_codes = list(await session.scalars(select(PartyBranchRow.code)))
    return regions_, workers_, list((await branches(session, branch_codes)).values())


async def shapes_near(session: AsyncSession, codes: Collection[str]) -> dict[str, BaseGeometry]:
    """Stored shapes of ``codes`` and of their children: what an import is checked against."""
    statement = select(RegionRow.code, RegionRow.geometry).where(
        or_(RegionRow.code.in_(codes), RegionRow.parent_code.in_(codes))
    )
    return {code: from_geojson(text) for code, text in await session.execute(statement)}


async def leaf_shapes(session: AsyncSession) -> list[tuple[str, str]]:
    """(code, GeoJSON) of every grid and micro-grid: what point lookup indexes."""
    levels = (RegionLevel.GRID.value, RegionLevel.MICRO_GRID.value)
    statement = select(RegionRow.code, RegionRow.geometry).where(RegionRow.level.in_(levels))
    return [(code, text) for code, text in await session.execute(statement)]


async def revision(session: AsyncSession) -> int:
    """The id of the newest accepted import; 0 for an empty registry."""
    return int(await session.scalar(select(func.max(RegistryImportRow.id))) or 0)


def _region(row: object) -> model.Region:
    values = {column.key: getattr(row, column.key) for column in _REGION_COLUMNS}
    values["level"] = RegionLevel(values["level"])
    return model.Region(**values)


def _branch(row: PartyBranchRow, grid_codes: Sequence[str]) -> model.PartyBranch:
    return model.PartyBranch(
        code=row.code,
        name=row.name,
        community_code=row.community_code,
        secretary_name=Personal(row.secretary_name),
        secretary_phone=Personal(row.secretary_phone),
        member_count=row.member_count,
        grid_codes=tuple(grid_codes),
    )


# -- writes ----------------------------------------------------------------------------


async def write(session: AsyncSession, batch: Batch, source: str, warnings: list[str]) -> int:
    """Store a checked batch; returns the new registry revision. The caller commits."""
    await _write_regions(session, batch)
    await _write_workers(session, batch)
    await _write_branches(session, batch)
    result = await session.execute(
        insert(RegistryImportRow)
        .values(
            imported_at=utcnow(),
            source=source[:200],
            region_count=len(batch.regions),
            warnings=warnings,
        )
        .returning(RegistryImportRow.id)
    )
    return int(result.scalar_one())


async def _write_regions(session: AsyncSession, batch: Batch) -> None:
    ordered = sorted(batch.regions.values(), key=lambda p: (p.record.level.depth, p.record.code))
    now = utcnow()
    rows = [
        {
            **asdict(p.record),
            "level": p.record.level.value,
            "geometry": to_geojson(p.polygon),
            "updated_at": now,
        }
        for p in ordered
    ]
    await upsert(session, RegionRow.__table__, rows, keys=["code"])  # type: ignore[arg-type]


async def _write_workers(session: AsyncSession, batch: Batch) -> None:
    grids = [c for c, p in batch.regions.items() if p.record.level is RegionLevel.GRID]
    await session.execute(delete(GridWorkerRow).where(GridWorkerRow.grid_code.in_(grids)))
    rows = [{**asdict(worker), "role": worker.role.value} for worker in batch.workers]
    if rows:
        await session.execute(insert(GridWorkerRow), rows)


async def _write_branches(session: AsyncSession, batch: Batch) -> None:
    grids = [c for c, p in batch.regions.items() if p.record.level is RegionLevel.GRID]
    await session.execute(delete(PartyBranchGridRow).where(PartyBranchGridRow.grid_code.in_(grids)))
    branch_rows = [
        {k: v for k, v in asdict(branch).items() if k != "grid_codes"}
        for branch in batch.branches.values()
    ]
    await upsert(session, PartyBranchRow.__table__, branch_rows, keys=["code"])  # type: ignore[arg-type]
    links = [
        {"grid_code": grid, "branch_code": branch.code}
        for branch in batch.branches.values()
        for grid in branch.grid_codes
    ]
    if links:
        await session.execute(insert(PartyBranchGridRow), links)
