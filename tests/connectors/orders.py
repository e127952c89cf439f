"""Work orders for the connectors' sink and feed tests: real places in the demo town."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache

from shapely.geometry import shape

from connectors.sdk.simulation import generate_town
from hub.core.workorders import Location, WorkOrder

GRID = "330199001001001"  # 枫桥社区's first grid


@cache
def place() -> Location:
    """A point inside the grid: every department's area covers it."""
    feature = next(f for f in generate_town()["features"] if f["properties"]["code"] == GRID)
    point = shape(feature["geometry"]).representative_point()
    return Location(lat=point.y, lon=point.x, address="枫桥社区3幢", grid_code=GRID)


FAR_AWAY = Location(lat=39.9042, lon=116.4074, address="北京市东城区")  # no department's area


def order(
    event_id: str, department: str, category: str, location: Location | None = None
) -> WorkOrder:
    """An order in a taxonomy ``category``, at ``location`` (default: inside the town)."""
    return WorkOrder(
        event_id=event_id,
        department=department,
        category=category,
        title="楼道堆放杂物",
        description="网格员巡查发现三幢楼道堆放杂物，影响消防通道。",
        location=location or place(),
        deadline=datetime.now(UTC) + timedelta(days=3),
    )


class OneCommunity:
    """The hotline's view of the town for one grid: its community, by name."""

    def department_codes(self, grid_codes: Iterable[str]) -> list[str]:
        return ["枫桥社区"] if GRID in grid_codes else []

    def main_grid(self, department_code: str) -> str | None:
        return GRID if department_code == "枫桥社区" else None
