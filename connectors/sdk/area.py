"""Area models: how a stream asks its system for the records of some unified grids.

A query's grids are batched (one DataLoader per field and filter), and the stream's area
model turns the whole batch into the query parameters of ONE upstream fetch:

    area = DepartmentGrids("beat")                  # the system's own grid codes, comma-joined
    area = Communities("community", by="name")      # the communities holding the grids
    area = BoundingBox("bbox")                      # "minLon,minLat,maxLon,maxLat"
    area = BoundingBox(("west", "south", "east", "north"))   # or four parameters
    area = PointRadius("lat", "lng", "radius", unit="km")    # a circle around the grids
    area = NoArea()                                 # every record; placement filters

An area may ask for more than the grids (a bounding box is a rectangle): the records
are placed in unified grids afterwards and only the requested grids' are kept. A model
that finds nothing to ask for (no department grid overlaps) returns None, and the
batch is answered empty without a call. Subclass ``AreaModel`` for another style.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.sdk.grids import Bounds, GridScheme, Locator, Regions
from hub.core.codes import RegionLevel

AreaParams = dict[str, str]
EVERYWHERE: Bounds = (-180.0, -90.0, 180.0, 90.0)
EARTH_RADIUS_M = 6_371_008.8  # the mean radius, as haversine distances use it
_COMMUNITY = RegionLevel.COMMUNITY.code_length
_CORNERS = ("minLon", "minLat", "maxLon", "maxLat")
_METRES_PER = {"m": 1.0, "km": 1000.0}


@dataclass(frozen=True, slots=True)
class AreaContext:
    """What an area model may consult: the connector's crosswalk, the registry's spatial
    index and its regions, each as they are for this request."""

    scheme: GridScheme
    index: Locator
    regions: Regions


class AreaModel(ABC):
    """Turns a batch of unified grid codes into the upstream's area parameters."""

    @abstractmethod
    def params(self, grid_codes: Sequence[str], context: AreaContext) -> AreaParams | None:
        """The parameters asking for these grids' records; None when no record can be in
        them, so the batch is answered empty without a call."""

    def everywhere(self) -> AreaParams:
        """Parameters asking for every record, for calls made without grids (the
        standard suite's checks); none, unless the system requires an area."""
        return {}


class NoArea(AreaModel):
    """The system takes no area: fetch everything, placement keeps the grids asked for."""

    def params(self, grid_codes: Sequence[str], context: AreaContext) -> AreaParams | None:
        return {}


class DepartmentGrids(AreaModel):
    """The system's own grid codes that overlap the grids (the crosswalk's), joined."""

    def __init__(self, param: str, separator: str = ",") -> None:
        self.param, self.separator = param, separator

    def params(self, grid_codes: Sequence[str], context: AreaContext) -> AreaParams | None:
        codes = context.scheme.department_codes(grid_codes)
        return {self.param: self.separator.join(codes)} if codes else None


class Communities(AreaModel):
    """The unified communities holding the grids, by 12-digit code or by name, joined."""

    def __init__(self, param: str, *, by: str = "code", separator: str = ",") -> None:
        if by not in ("code", "name"):
            raise ValueError(f"Communities(by=...) is 'code' or 'name', not {by!r}")
        self.param, self.by, self.separator = param, by, separator

    def params(self, grid_codes: Sequence[str], context: AreaContext) -> AreaParams | None:
        codes = sorted({code[:_COMMUNITY] for code in grid_codes if len(code) >= _COMMUNITY})
        found = self._names(codes, context.regions) if self.by == "name" else codes
        return {self.param: self.separator.join(found)} if found else None

    @staticmethod
    def _names(codes: Sequence[str], regions: Regions) -> list[str]:
        return sorted(region.name for code in codes if (region := regions.region(code)))


class BoundingBox(AreaModel):
    """The union bounding box of the grids' polygons, in degrees (WGS84).

    ``param`` is one parameter taking the four numbers in ``order``, joined by
    ``separator``; or a tuple of four parameter names, one number each, in ``order``.
    """

    def __init__(
        self,
        param: str | tuple[str, str, str, str],
        *,
        order: str = "minLon,minLat,maxLon,maxLat",
        separator: str = ",",
        digits: int = 6,
    ) -> None:
        self.order = [part.strip() for part in order.split(",")]
        if sorted(self.order) != sorted(_CORNERS):
            raise ValueError(f"a bounding box order names each of {_CORNERS} once, not {order!r}")
        self.param, self.separator, self.digits = param, separator, digits

    def params(self, grid_codes: Sequence[str], context: AreaContext) -> AreaParams | None:
        bounds = context.index.bounds(grid_codes)
        return self.of(bounds) if bounds is not None else None

    def everywhere(self) -> AreaParams:
        return self.of(EVERYWHERE)

    def of(self, bounds: Bounds) -> AreaParams:
        """These bounds in the upstream's parameters."""
        min_lon, min_lat, max_lon, max_lat = bounds
        corner = {
            "minLon": _number(min_lon, self.digits, math.floor),
            "minLat": _number(min_lat, self.digits, math.floor),
            "maxLon": _number(max_lon, self.digits, math.ceil),
            "maxLat": _number(max_lat, self.digits, math.ceil),
        }
        values = [corner[name] for name in self.order]
        if isinstance(self.param, str):
            return {self.param: self.separator.join(values)}
        return dict(zip(self.param, values, strict=True))


class PointRadius(AreaModel):
    """A centre and a radius covering the grids: the centre of their bounding box, and
    the distance from it to the box's farthest corner, rounded up."""

    def __init__(
        self, lat_param: str, lon_param: str, radius_param: str, unit: str = "m", digits: int = 6
    ) -> None:
        if unit not in _METRES_PER:
            raise ValueError(f"PointRadius(unit=...) is one of {sorted(_METRES_PER)}, not {unit!r}")
        self.lat_param, self.lon_param, self.radius_param = lat_param, lon_param, radius_param
        self.unit, self.digits = unit, digits

    def params(self, grid_codes: Sequence[str], context: AreaContext) -> AreaParams | None:
        bounds = context.index.bounds(grid_codes)
        return self.around(bounds) if bounds is not None else None

    def everywhere(self) -> AreaParams:
        return self.circle(0.0, 0.0, math.pi * EARTH_RADIUS_M)  # half the globe's girth

    def around(self, bounds: Bounds) -> AreaParams:
        """The circle covering ``bounds``, in the upstream's parameters."""
        min_lon, min_lat, max_lon, max_lat = bounds
        # The centre as sent (rounded), so the radius covers from where the system measures.
        lat = round((min_lat + max_lat) / 2, self.digits)
        lon = round((min_lon + max_lon) / 2, self.digits)
        corners = [(y, x) for y in (min_lat, max_lat) for x in (min_lon, max_lon)]
        return self.circle(lat, lon, max(haversine_m(lat, lon, y, x) for y, x in corners))

    def circle(self, lat: float, lon: float, radius_m: float) -> AreaParams:
        return {
            self.lat_param: _number(lat, self.digits),
            self.lon_param: _number(lon, self.digits),
            self.radius_param: str(math.ceil(radius_m / _METRES_PER[self.unit])),
        }


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi, half_dlambda = (phi2 - phi1) / 2, math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _number(value: float, digits: int, rounding: Callable[[float], int] = round) -> str:
    """A coordinate as a plain decimal of ``digits`` places, rounded as told: a bounding
    box rounds outwards, so rounding never cuts a grid's edge off."""
    scale = 10**digits
    steps = rounding(round(value * scale, 6))  # round(..., 6) first: 39.9 * 1e6 is 39899999.99…
    return f"{steps / scale:.{digits}f}"
