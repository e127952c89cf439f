"""The demo town is on the scale of the source material and tiles without gaps."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from typing import Any

import shapely
from shapely.geometry import shape

from connectors.sdk.simulation import TownSpec, generate_town
from connectors.sdk.simulation.demo_town import grid_counts, micro_grid_sizes
from hub.core.geo import area_sqm


def _properties(town: dict[str, Any], level: str) -> list[dict[str, Any]]:
    return [f["properties"] for f in town["features"] if f["properties"]["level"] == level]


def test_the_town_has_the_scale_of_the_source_material(town: dict[str, Any]) -> None:
    levels = Counter(f["properties"]["level"] for f in town["features"])
    assert levels["STREET"] == 1
    assert levels["COMMUNITY"] == 10
    assert levels["GRID"] == 83
    branches = {g["partyBranch"]["code"]: g["partyBranch"] for g in _properties(town, "GRID")}
    assert len(branches) == 41
    assert sum(b["members"] for b in branches.values()) == 1700
    sizes = [m["households"] for m in _properties(town, "MICRO_GRID")]
    assert min(sizes) >= 30
    assert max(sizes) <= 100
    assert all(300 <= g["households"] <= 500 for g in _properties(town, "GRID"))


def test_every_grid_is_staffed(town: dict[str, Any]) -> None:
    for grid in _properties(town, "GRID"):
        roles = Counter(w["role"] for w in grid["workers"])
        assert roles["LEADER"] == 1
        assert roles["FULL_TIME"] >= 1
        leads = {w["microGrid"] for w in grid["workers"] if w["role"] == "MICRO_GRID_LEAD"}
        assert leads == {
            m["code"] for m in _properties(town, "MICRO_GRID") if m["parent"] == grid["code"]
        }


def test_names_and_phones_look_real(town: dict[str, Any]) -> None:
    people = [w for g in _properties(town, "GRID") for w in g["workers"]]
    assert all(2 <= len(p["name"]) <= 3 for p in people)
    assert all(
        p["phone"].isdigit() and len(p["phone"]) == 11 and p["phone"][0] == "1" for p in people
    )
    assert len({p["name"] for p in people}) > len(people) // 2


def test_children_tile_their_parent_without_gaps_or_overlaps(town: dict[str, Any]) -> None:
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in town["features"]}
    families: dict[str, list[str]] = defaultdict(list)
    for feature in town["features"]:
        if feature["properties"]["parent"]:
            families[feature["properties"]["parent"]].append(feature["properties"]["code"])
    for parent, children in families.items():
        outline = shapes[parent]
        covered = shapely.union_all([shapes[c] for c in children])
        parts = sum(area_sqm(shapes[c]) for c in children)
        assert area_sqm(outline.symmetric_difference(covered)) < 20, parent
        assert parts - area_sqm(covered) < 1, parent


def test_the_same_seed_gives_the_same_town_and_another_seed_another() -> None:
    first = json.dumps(generate_town(), sort_keys=True)
    assert json.dumps(generate_town(), sort_keys=True) == first
    assert json.dumps(generate_town(TownSpec(seed=7)), sort_keys=True) != first


def test_grid_counts_pair_into_the_right_number_of_branches() -> None:
    rng = random.Random(3)
    for _ in range(50):
        areas = [rng.uniform(1, 5) for _ in range(10)]
        counts = grid_counts(areas, 83)
        assert sum(counts) == 83
        assert min(counts) >= 4
        assert sum(c // 2 for c in counts) == 41


def test_micro_grid_sizes_stay_in_bounds() -> None:
    rng = random.Random(5)
    for households in range(300, 501, 7):
        sizes = micro_grid_sizes(rng, households)
        assert sum(sizes) == households
        assert all(30 <= s <= 100 for s in sizes)
