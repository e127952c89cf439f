"""Reading and writing the crosswalk tables; every function takes the caller's session."""

from __future__ import annotations

from collections.abc import Sequence

from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.codes import RegionLevel
from hub.core.geo import from_geojson, to_geojson
from hub.crosswalk.entries import CrosswalkEntry, DepartmentGrid, DepartmentGridShape
from hub.crosswalk.overlay import Overlay
from hub.db.registry_models import (
    CrosswalkEntryRow,
    CrosswalkImportRow,
    DepartmentGridRow,
    RegionRow,
)
from hub.db.types import utcnow

_ENTRY_COLUMNS = (
    CrosswalkEntryRow.department,
    CrosswalkEntryRow.department_code,
    CrosswalkEntryRow.grid_code,
    CrosswalkEntryRow.overlap_sqm,
    CrosswalkEntryRow.department_share,
    CrosswalkEntryRow.grid_share,
)


async def revision(session: AsyncSession) -> int:
    """The id of the newest accepted scheme; 0 before any."""
    return int(await session.scalar(select(func.max(CrosswalkImportRow.id))) or 0)


async def entries(session: AsyncSession) -> list[CrosswalkEntry]:
    rows = await session.execute(select(*_ENTRY_COLUMNS))
    return [CrosswalkEntry(*row) for row in rows]


async def unified_grids(session: AsyncSession) -> dict[str, BaseGeometry]:
    """Every unified grid's shape: what department grids are laid over."""
    statement = select(RegionRow.code, RegionRow.geometry).where(
        RegionRow.level == RegionLevel.GRID.value
    )
    return {code: from_geojson(text) for code, text in await session.execute(statement)}


async def department_grids(session: AsyncSession, codes: Sequence[str]) -> list[DepartmentGridRow]:
    """Stored department grids with these codes, of any department."""
    statement = select(DepartmentGridRow).where(DepartmentGridRow.code.in_(codes))
    return list(await session.scalars(statement.order_by(DepartmentGridRow.department)))


async def shapes(
    session: AsyncSession, department: str, codes: Sequence[str]
) -> list[DepartmentGridShape]:
    """One department's stored grids with these codes, outlines included, in code order."""
    columns = (
        DepartmentGridRow.department,
        DepartmentGridRow.code,
        DepartmentGridRow.name,
        DepartmentGridRow.area_sqm,
        DepartmentGridRow.geometry,
    )
    statement = select(*columns).where(
        DepartmentGridRow.department == department, DepartmentGridRow.code.in_(codes)
    )
    return [
        DepartmentGridShape(*row)
        for row in await session.execute(statement.order_by(DepartmentGridRow.code))
    ]


async def replace_scheme(  # noqa: PLR0913 - one scheme's parts, written together
    session: AsyncSession,
    department: str,
    grids: Sequence[DepartmentGrid],
    result: Overlay,
    *,
    source: str,
    registry_revision: int,
    warnings: list[str],
) -> int:
    """Replace everything stored for ``department``; returns the new crosswalk revision.
    The caller commits."""
    await session.execute(
        delete(CrosswalkEntryRow).where(CrosswalkEntryRow.department == department)
    )
    await session.execute(
        delete(DepartmentGridRow).where(DepartmentGridRow.department == department)
    )
    await session.execute(
        insert(DepartmentGridRow),
        [
            {
                "department": department,
                "code": grid.code,
                "name": grid.name,
                "area_sqm": round(result.areas[grid.code], 1),
                "geometry": to_geojson(grid.polygon),
            }
            for grid in grids
        ],
    )
    if result.entries:
        rows = [
            {column.key: getattr(e, column.key) for column in _ENTRY_COLUMNS}
            for e in result.entries
        ]
        await session.execute(insert(CrosswalkEntryRow), rows)
    written = await session.execute(
        insert(CrosswalkImportRow)
        .values(
            department=department,
            imported_at=utcnow(),
            source=source[:200],
            grid_count=len(grids),
            entry_count=len(result.entries),
            registry_revision=registry_revision,
            warnings=warnings,
        )
        .returning(CrosswalkImportRow.id)
    )
    return int(written.scalar_one())
