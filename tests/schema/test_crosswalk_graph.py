"""Grid.crosswalk: the department grids overlapping a grid, from memory, in one query."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.core.paths import PUBLISHED_SDL
from hub.demo.simulators import demo_schemes
from tests.conftest import GraphQLClient
from tests.schema.conftest import Statements
from tests.support.principals import GRID_A, GRID_B, bearer

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
    laid: Starlette, gql: GraphQLClient, statements: Statements
) -> None:
    async with statements.during() as sent:
        body = await gql(
            "{ grids(first: 100) { edges { node { ... on Grid { code crosswalk { code } } } } } }"
        )
    grids = body["data"]["grids"]["edges"]
    assert len(grids) == 83
    assert all(edge["node"]["crosswalk"] for edge in grids)
    assert not [s for s in sent if "crosswalk" in s or "department_grids" in s]


async def test_a_grid_before_any_scheme_has_an_empty_crosswalk(gql: GraphQLClient) -> None:
    body = await gql(CROSSWALK, code=GRID)
    assert body["data"]["grid"]["crosswalk"] == []


def test_the_field_declares_the_scope_it_needs() -> None:
    sdl = PUBLISHED_SDL.read_text(encoding="utf-8")
    field = "crosswalk(department: String = null): [CrosswalkEntry!]!"
    assert f'{field} @requiresScopes(scopes: [["grid:read"]])' in sdl


SHAPES = """query($department: String!, $within: String) {
  departmentGrids(department: $department, within: $within) {
    department code name areaSqm geometry } }"""


async def test_a_departments_grids_come_with_their_outlines_for_a_map(
    laid: Starlette, gql: GraphQLClient
) -> None:
    grids = (await gql(SHAPES, department="police"))["data"]["departmentGrids"]
    entries = (await gql(CROSSWALK, code=GRID, department="police"))["data"]["grid"]["crosswalk"]
    assert {e["code"] for e in entries} <= {g["code"] for g in grids}
    assert [g["code"] for g in grids] == sorted(g["code"] for g in grids)
    assert all(g["department"] == "police" and g["areaSqm"] > 0 for g in grids)
    assert {g["geometry"]["type"] for g in grids} <= {"Polygon", "MultiPolygon"}
    within = (await gql(SHAPES, department="police", within=GRID))["data"]["departmentGrids"]
    assert {g["code"] for g in within} == {e["code"] for e in entries}


async def test_a_grid_worker_gets_the_department_grids_over_its_own_grids(
    laid: Starlette, keys: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=laid)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        worker = bearer(keys["grid_worker"])
        police: dict[str, str] = {"department": "police"}
        mine = await http.post(
            "/graphql", json={"query": SHAPES, "variables": police}, headers=worker
        )
        elsewhere = {**police, "within": GRID_B}
        other = await http.post(
            "/graphql", json={"query": SHAPES, "variables": elsewhere}, headers=worker
        )
    crosswalk = laid.state.services.crosswalk
    over_a = {e.department_code for e in crosswalk.entries_for_grid(GRID_A, "police")}
    assert {g["code"] for g in mine.json()["data"]["departmentGrids"]} == over_a
    assert other.json()["data"]["departmentGrids"] == []


async def test_an_unknown_department_or_a_bad_code_is_a_typed_error(
    laid: Starlette, gql: GraphQLClient
) -> None:
    unknown = (await gql(SHAPES, department="airport"))["errors"][0]
    assert unknown["extensions"] == {"code": "BAD_USER_INPUT", "argument": "department"}
    malformed = (await gql(SHAPES, department="police", within="33x"))["errors"][0]
    assert malformed["extensions"]["code"] == "BAD_USER_INPUT"
    assert malformed["extensions"]["argument"] == "within"
