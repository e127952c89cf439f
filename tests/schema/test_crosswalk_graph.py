"""Grid.crosswalk: the department grids overlapping a grid, from memory, in one query."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from starlette.applications import Starlette

from hub.core.paths import PUBLISHED_SDL
from hub.demo.simulators import demo_schemes
from tests.conftest import GraphQLClient

GRID = "330199001001001"
CROSSWALK = """query($code: String!, $department: String) {
  grid(code: $code) { crosswalk(department: $department) {
    department code share departmentShare overlapSqm } } }"""


@pytest.fixture
async def laid(app: Starlette, town_document: dict[str, Any]) -> Starlette:
    crosswalk = app.state.services.crosswalk
    for department, scheme in demo_schemes(town_document).items():
        await crosswalk.import_scheme(department, scheme, department)
    return app


async def test_a_grid_lists_the_department_grids_over_it(
    laid: Starlette, gql: GraphQLClient
) -> None:
    body = await gql(CROSSWALK, code=GRID)
    entries = body["data"]["grid"]["crosswalk"]
    totals: dict[str, float] = defaultdict(float)
    for entry in entries:
        totals[entry["department"]] += entry["share"]
        assert 0 < entry["share"] <= 1
        assert 0 < entry["departmentShare"] <= 1
        assert entry["overlapSqm"] > 0
    assert set(totals) == {"citymgmt", "health", "police"}
    assert all(total == pytest.approx(1, abs=1e-3) for total in totals.values())
    police = [e for e in entries if e["department"] == "police"]
    assert [e["share"] for e in police] == sorted((e["share"] for e in police), reverse=True)
    assert all(e["code"].startswith("JG-YX-") for e in police)


async def test_one_department_or_a_typed_error(laid: Starlette, gql: GraphQLClient) -> None:
    only = await gql(CROSSWALK, code=GRID, department="health")
    assert {e["department"] for e in only["data"]["grid"]["crosswalk"]} == {"health"}
    unknown = await gql(CROSSWALK, code=GRID, department="airport")
    error = unknown["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "department"


async def test_eighty_three_grids_read_the_crosswalk_without_the_database(
    laid: Starlette, gql: GraphQLClient, statements: list[str]
) -> None:
    body = await gql(
        "{ grids(first: 100) { edges { node { ... on Grid { code crosswalk { code } } } } } }"
    )
    grids = body["data"]["grids"]["edges"]
    assert len(grids) == 83
    assert all(edge["node"]["crosswalk"] for edge in grids)
    assert not [s for s in statements if "crosswalk" in s or "department_grids" in s]


async def test_a_grid_before_any_scheme_has_an_empty_crosswalk(gql: GraphQLClient) -> None:
    body = await gql(CROSSWALK, code=GRID)
    assert body["data"]["grid"]["crosswalk"] == []


def test_the_field_declares_the_scope_it_needs() -> None:
    sdl = PUBLISHED_SDL.read_text(encoding="utf-8")
    field = "crosswalk(department: String = null): [CrosswalkEntry!]!"
    assert f'{field} @requiresScopes(scopes: [["grid:read"]])' in sdl
