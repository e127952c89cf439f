"""A deterministic synthetic town on the scale of the source material.

One street (街道) of about ten communities and villages, 83 grids of 300–500
households, micro-grids of 30–100 households, 41 grid party branches with about
1,700 members, and the grid workers who staff it all. The same seed always gives the
same town, byte for byte, so tests and simulators can rely on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from connectors.sdk.simulation import names
from connectors.sdk.simulation.tiling import outline, partition
from hub.core.codes import RegionLevel, WorkerRole, parent_of
from hub.core.geo import area_sqm

Feature = dict[str, Any]
DEFAULT_SEED = 20261123


@dataclass(frozen=True, slots=True)
class TownSpec:
    seed: int = DEFAULT_SEED
    district_code: str = "330199"
    district_name: str = "临江区"
    street_code: str = "330199001"
    street_name: str = "云溪街道"
    centre_lat: float = 30.3120
    centre_lon: float = 120.0530
    width_m: float = 6400
    height_m: float = 5000
    communities: int = 10
    villages: int = 3
    grids: int = 83
    party_branches: int = 41
    party_members: int = 1700


def generate_town(spec: TownSpec | None = None) -> dict[str, Any]:
    """The town as a GeoJSON FeatureCollection that ``hub grids import`` accepts."""
    spec = spec or TownSpec()
    return _TownBuilder(spec).build()


class _TownBuilder:
    def __init__(self, spec: TownSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.estates: set[str] = set()
        self.features: list[Feature] = []

    def build(self) -> dict[str, Any]:
        spec = self.spec
        town = outline(self.rng, spec.centre_lat, spec.centre_lon, spec.width_m, spec.height_m)
        communities = partition(town, spec.communities, self.rng)
        counts = grid_counts([area_sqm(c) for c in communities], spec.grids)
        branches = branch_grid_counts(counts)
        members = split_total(self.rng, spec.party_members, sum(len(b) for b in branches))
        member_iter = iter(members)
        households = 0
        for index, (polygon, count, sizes) in enumerate(
            zip(communities, counts, branches, strict=True)
        ):
            village = index >= spec.communities - spec.villages
            households += self._community(index + 1, polygon, count, sizes, village, member_iter)
        self._add_top(town, households)
        return {"type": "FeatureCollection", "features": sorted(self.features, key=_by_code)}

    def _add_top(self, town: BaseGeometry, households: int) -> None:
        spec = self.spec
        population = sum(
            f["properties"]["population"]
            for f in self.features
            if f["properties"]["level"] == RegionLevel.COMMUNITY
        )
        for code, level, name in (
            (spec.district_code, RegionLevel.DISTRICT, spec.district_name),
            (spec.street_code, RegionLevel.STREET, spec.street_name),
        ):
            self._add(code, level, name, town, (households, population))

    def _community(
        self,
        number: int,
        polygon: BaseGeometry,
        grid_count: int,
        branch_sizes: list[int],
        village: bool,
        members: Any,
    ) -> int:
        code = f"{self.spec.street_code}{number:03d}"
        word = names.PLACE_WORDS[(number * 7) % len(names.PLACE_WORDS)]
        name = f"{word}村" if village else f"{word}社区"
        grid_codes: list[str] = []
        households = population = 0
        for g, cell in enumerate(partition(polygon, grid_count, self.rng), start=1):
            grid_code = f"{code}{g:03d}"
            grid_codes.append(grid_code)
            h, p = self._grid(grid_code, f"{name}第{names.chinese_ordinal(g)}网格", cell, village)
            households, population = households + h, population + p
        self._add(code, RegionLevel.COMMUNITY, name, polygon, (households, population))
        self._attach_branches(code, name, grid_codes, branch_sizes, members)
        return households

    def _grid(self, code: str, name: str, polygon: BaseGeometry, village: bool) -> tuple[int, int]:
        rng = self.rng
        households = rng.randint(300, 500)
        sizes = micro_grid_sizes(rng, households)
        estate = names.estate_name(rng, self.estates)
        road = names.street_address(rng)
        population = 0
        micro_codes = []
        building = 1
        for m, (cell, size) in enumerate(
            zip(partition(polygon, len(sizes), rng), sizes, strict=True), start=1
        ):
            micro_code = f"{code}{m:03d}"
            micro_codes.append(micro_code)
            people = round(size * rng.uniform(2.3, 3.1))
            population += people
            span = max(1, size // 24)
            label = (
                f"第{names.chinese_ordinal(m)}村民小组"
                if village
                else f"{estate}{building}-{building + span - 1}幢"
            )
            building += span
            address = f"{self.spec.street_name}{road}{label}" if not village else label
            self._add(
                micro_code, RegionLevel.MICRO_GRID, label, cell, (size, people), address=address
            )
        self._add(
            code,
            RegionLevel.GRID,
            name,
            polygon,
            (households, population),
            workers=self._workers(micro_codes),
        )
        return households, population

    def _workers(self, micro_codes: list[str]) -> list[dict[str, Any]]:
        rng = self.rng
        roles = [WorkerRole.LEADER] + [WorkerRole.FULL_TIME] * rng.randint(1, 2)
        roles += [WorkerRole.PART_TIME] * rng.randint(1, 3)
        staff: list[dict[str, Any]] = [self._person(role) for role in roles]
        staff += [self._person(WorkerRole.MICRO_GRID_LEAD, m) for m in micro_codes]
        return staff

    def _person(self, role: WorkerRole, micro_grid: str | None = None) -> dict[str, Any]:
        person: dict[str, Any] = {
            "role": role.value,
            "name": names.person_name(self.rng),
            "phone": names.mobile_number(self.rng),
        }
        if micro_grid:
            person["microGrid"] = micro_grid
        return person

    def _attach_branches(
        self,
        community: str,
        community_name: str,
        grids: list[str],
        sizes: list[int],
        members: Any,
    ) -> None:
        by_code = {f["properties"]["code"]: f for f in self.features}
        start = 0
        for number, size in enumerate(sizes, start=1):
            branch = {
                "code": f"{community}-{number:02d}",
                "name": f"{community_name}第{names.chinese_ordinal(number)}网格党支部",
                "secretary": {
                    "name": names.person_name(self.rng),
                    "phone": names.mobile_number(self.rng),
                },
                "members": next(members),
            }
            for grid in grids[start : start + size]:
                by_code[grid]["properties"]["partyBranch"] = branch
            start += size

    def _add(
        self,
        code: str,
        level: RegionLevel,
        name: str,
        geometry: BaseGeometry,
        counts: tuple[int, int],
        **extra: Any,
    ) -> None:
        households, population = counts
        properties = {
            "code": code,
            "level": level.value,
            "name": name,
            "parent": parent_of(code),
            "households": households,
            "population": population,
            **extra,
        }
        self.features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": shapely.geometry.mapping(geometry),
            }
        )


def _by_code(feature: Feature) -> str:
    return str(feature["properties"]["code"])


def grid_counts(areas: list[float], total: int) -> list[int]:
    """Grids per community, in proportion to area (largest remainder), at least four.

    Exactly one community gets an odd count, so the town's grids pair up into
    ``total // 2`` branches: pairs of neighbouring grids, and one branch of three.
    """
    whole = sum(areas)
    shares = [max(4.0, total * a / whole) for a in areas]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(areas)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    odd = [i for i, c in enumerate(counts) if c % 2]
    for giver, taker in zip(odd[1::2], odd[2::2], strict=True):
        counts[giver] -= 1
        counts[taker] += 1
    return counts


def branch_grid_counts(grid_counts_per_community: list[int]) -> list[list[int]]:
    """How many grids each branch of each community serves: twos, and a three if odd."""
    result = []
    for count in grid_counts_per_community:
        sizes = [2] * (count // 2)
        if count % 2:
            sizes[-1] = 3
        result.append(sizes)
    return result


def micro_grid_sizes(rng: random.Random, households: int) -> list[int]:
    """Households per micro-grid: 30 to 100 each, summing to ``households``."""
    count = max(1, round(households / rng.uniform(55, 75)))
    sizes = [households // count] * count
    for i in range(households % count):
        sizes[i] += 1
    for _ in range(count * 2):
        a, b = rng.randrange(count), rng.randrange(count)
        shift = rng.randint(0, 12)
        if a != b and sizes[a] - shift >= 30 and sizes[b] + shift <= 100:
            sizes[a] -= shift
            sizes[b] += shift
    return sizes


def split_total(rng: random.Random, total: int, parts: int) -> list[int]:
    """``parts`` uneven positive integers summing to ``total``."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = total / sum(weights)
    values = [int(w * scale) for w in weights]
    for i in range(total - sum(values)):
        values[i % parts] += 1
    return values
