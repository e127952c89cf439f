"""Point lookup: which grid and micro-grid a coordinate falls in, via an STR-tree; and
the bounding box of some regions' grids, for systems asked by area."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from hub.core.codes import RegionLevel, level_of
from hub.core.geo import from_geojson

# Points remembered by an index: upstream records come back with the same coordinates
# query after query (a grid's records, a dashboard's), and the tree query was most of
# placing them. About 200 bytes each; the memory starts again when full.
KNOWN_POINTS = 65_536


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a point lies: the micro-grid when there is one, and its grid and community."""

    grid: str
    micro_grid: str | None

    @property
    def community(self) -> str:
        return self.grid[: RegionLevel.COMMUNITY.code_length]

    @property
    def street(self) -> str:
        return self.grid[: RegionLevel.STREET.code_length]


class SpatialIndex:
    """An immutable index of the grids and micro-grids at one registry revision.

    Micro-grids are looked up first, since they name their grid in their code; grids
    are looked up only for points outside every micro-grid. The placements of up to
    ``remember`` points are kept (0: none).
    """

    def __init__(
        self, shapes: Sequence[tuple[str, str]], revision: int, remember: int = KNOWN_POINTS
    ) -> None:
        self.revision = revision
        self._remember = remember
        self._micro, self._micro_tree = _tree(shapes, RegionLevel.MICRO_GRID)
        self._grids, self._grid_tree = _tree(shapes, RegionLevel.GRID)
        self._known: dict[tuple[float, float], Placement | None] = {}

    @classmethod
    def empty(cls) -> SpatialIndex:
        return cls((), revision=0)

    def __len__(self) -> int:
        return len(self._micro) + len(self._grids)

    @property
    def remembered(self) -> int:
        """How many points' placements the index holds."""
        return len(self._known)

    def locate(self, lat: float, lon: float) -> Placement | None:
        return self.locate_many([lat], [lon])[0]

    def locate_many(self, lats: Sequence[float], lons: Sequence[float]) -> list[Placement | None]:
        """Where each point lies: remembered for a point seen before (the index never
        changes), else one vectorised tree query for the batch's new points."""
        known = self._known
        keys = list(zip(lats, lons, strict=True))
        new = list(dict.fromkeys(key for key in keys if key not in known))
        if not new:
            return [known[key] for key in keys]
        looked_up = self._looked_up([lat for lat, _ in new], [lon for _, lon in new])
        fresh = dict(zip(new, looked_up, strict=True))
        answers = [fresh[key] if key in fresh else known[key] for key in keys]
        if len(known) + len(fresh) > self._remember:
            known.clear()  # start again rather than grow without end
        if len(fresh) <= self._remember:
            known.update(fresh)
        return answers

    def _looked_up(self, lats: Sequence[float], lons: Sequence[float]) -> list[Placement | None]:
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        micro = _hits(self._micro_tree, self._micro, points)
        missing = [i for i, code in enumerate(micro) if code is None]
        grids = _hits(self._grid_tree, self._grids, points[missing]) if missing else []
        grid_of = dict(zip(missing, grids, strict=True))
        return [_placement(micro[i], grid_of.get(i)) for i in range(len(points))]

    def bounds(self, region_codes: Iterable[str]) -> tuple[float, float, float, float] | None:
        """The bounding box (min lon, min lat, max lon, max lat) of every grid within
        these regions together; None when no grid with a shape lies within any of them."""
        shapes = self._grid_tree.geometries
        chosen = sorted({i for code in region_codes for i in _within(self._grids, code)})
        if not chosen:
            return None
        each = shapely.bounds(shapes[chosen])
        min_lon, min_lat = each[:, 0].min(), each[:, 1].min()
        max_lon, max_lat = each[:, 2].max(), each[:, 3].max()
        return float(min_lon), float(min_lat), float(max_lon), float(max_lat)


def _within(codes: list[str], prefix: str) -> range:
    """The positions of the codes (sorted) within the region ``prefix``: a code names its
    ancestry, so a region's subtree is one range."""
    return range(bisect.bisect_left(codes, prefix), bisect.bisect_left(codes, prefix + ":"))


def _tree(shapes: Sequence[tuple[str, str]], level: RegionLevel) -> tuple[list[str], STRtree]:
    chosen = sorted((code, text) for code, text in shapes if level_of(code) is level)
    return [code for code, _ in chosen], STRtree([from_geojson(text) for _, text in chosen])


def _hits(tree: STRtree, codes: list[str], points: np.ndarray) -> list[str | None]:
    """The first code (in code order) whose shape covers each point; points on a shared
    edge belong to the lower code, so every point has one answer."""
    found: list[str | None] = [None] * len(points)
    if not codes:
        return found
    point_index, shape_index = tree.query(points, predicate="intersects")
    for p, s in zip(point_index.tolist(), shape_index.tolist(), strict=True):
        current = found[p]
        if current is None or codes[s] < current:
            found[p] = codes[s]
    return found


def _placement(micro_grid: str | None, grid: str | None) -> Placement | None:
    if micro_grid is not None:
        grid_code = micro_grid[: RegionLevel.GRID.code_length]
        return Placement(grid=grid_code, micro_grid=micro_grid)
    return Placement(grid=grid, micro_grid=None) if grid is not None else None
