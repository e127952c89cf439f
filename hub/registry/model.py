"""The registry's records, independent of storage and of the graph.

Fields that hold personal data (names and phone numbers of people) are typed
``Personal`` so that every layer above can find them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.core.codes import RegionLevel, WorkerRole
from hub.core.personal import Personal


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    level: RegionLevel
    name: str
    parent_code: str | None
    households: int
    population: int
    area_sqm: float
    centroid_lat: float
    centroid_lon: float
    address: str | None = None


@dataclass(frozen=True, slots=True)
class GridWorker:
    grid_code: str
    role: WorkerRole
    name: Personal
    phone: Personal
    micro_grid_code: str | None = None


@dataclass(frozen=True, slots=True)
class PartyBranch:
    """A grid party branch (网格党支部); one branch may serve several grids."""

    code: str
    name: str
    community_code: str
    secretary_name: Personal
    secretary_phone: Personal
    member_count: int
    grid_codes: tuple[str, ...] = field(default=())
