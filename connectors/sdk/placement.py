"""Putting upstream records in unified grids.

A record with a point goes to the grid whose polygon holds it (the registry's
spatial index, one vectorised lookup per batch). A record without one, or whose point
is outside every grid, goes to the unified grid that covers most of the department
grid it names, and is marked approximate.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from connectors.sdk.grids import GridScheme, Locator
from connectors.sdk.mapping import Record
from connectors.sdk.stream import Stream


@dataclass(frozen=True, slots=True)
class Placed:
    record: Record
    grid_code: str
    approximate: bool


def place(
    stream: type[Stream],
    records: Sequence[Record],
    index: Locator,
    scheme: GridScheme,
    wanted: Collection[str] | None = None,
) -> list[Placed]:
    """The records that fall in one of the ``wanted`` unified grids (any, for None)."""
    grids = _located(stream, records, index)
    placed: list[Placed] = []
    for record, located in zip(records, grids, strict=True):
        grid = located or _by_department_grid(stream, record, scheme)
        if grid is not None and (wanted is None or grid in wanted):
            placed.append(Placed(record, grid, approximate=located is None))
    return placed


def _by_department_grid(stream: type[Stream], record: Record, scheme: GridScheme) -> str | None:
    code = stream.grid_of(record)
    return scheme.main_grid(code) if code else None


def _located(stream: type[Stream], records: Sequence[Record], index: Locator) -> list[str | None]:
    points = [(i, point) for i, r in enumerate(records) if (point := stream.point(r)) is not None]
    found: list[str | None] = [None] * len(records)
    if not points:
        return found
    lats = [point[0] for _, point in points]
    lons = [point[1] for _, point in points]
    for (i, _), placement in zip(points, index.locate_many(lats, lons), strict=True):
        found[i] = placement.grid if placement else None
    return found
