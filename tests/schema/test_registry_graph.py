"""The registry through the graph, over the ASGI app."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import Point, shape

from tests.conftest import GraphQLClient

GRID = "330199001001001"


def codes(body: dict[str, Any]) -> list[str]:
    return [edge["node"]["code"] for edge in body["data"]["grids"]["edges"]]


async def test_the_town_has_83_grids(gql: GraphQLClient) -> None:
    body = await gql("{ grids(first: 100) { totalCount edges { node { code level } } } }")
    assert body["data"]["grids"]["totalCount"] == 83
    assert len(codes(body)) == 83
    assert {e["node"]["level"] for e in body["data"]["grids"]["edges"]} == {"GRID"}


async def test_cursors_walk_every_grid_once_in_order(gql: GraphQLClient) -> None:
    query = """query($after: String) { grids(first: 10, after: $after) {
        edges { node { code } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await gql(query, after=after))["data"]["grids"]
        seen += [edge["node"]["code"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 83
    assert seen == sorted(set(seen))


async def test_within_and_level_narrow_the_list(gql: GraphQLClient) -> None:
    body = await gql(
        '{ grids(within: "330199001001", level: MICRO_GRID, first: 100) '
        "{ totalCount edges { node { code ... on MicroGrid { grid { code } } } } } }"
    )
    edges = body["data"]["grids"]["edges"]
    assert body["data"]["grids"]["totalCount"] == len(edges) > 0
    assert all(e["node"]["code"].startswith("330199001001") for e in edges)
    assert all(e["node"]["grid"]["code"] == e["node"]["code"][:15] for e in edges)


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ("first: 101", "first"),
        ("first: -1", "first"),
        ('after: "bm90LWEtY3Vyc29y"', "after"),
        ('within: "12ab"', "within"),
    ],
)
async def test_bad_paging_arguments_are_typed_errors(
    gql: GraphQLClient, arguments: str, argument: str
) -> None:
    body = await gql(f"{{ grids({arguments}) {{ totalCount }} }}")
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"] == {
        **error["extensions"],
        "code": "BAD_USER_INPUT",
        "argument": argument,
    }


async def test_a_grid_has_its_people_and_party_branch(gql: GraphQLClient) -> None:
    body = await gql(f"""{{ grid(code: "{GRID}") {{
        name level community {{ code }} microGrids {{ code }}
        leader {{ role name phone }} workers(role: FULL_TIME) {{ role }}
        partyBranch {{ name memberCount gridCodes secretary {{ name }} }} }} }}""")
    grid = body["data"]["grid"]
    assert grid["level"] == "GRID"
    assert grid["community"]["code"] == GRID[:12]
    assert all(m["code"].startswith(GRID) for m in grid["microGrids"])
    assert grid["leader"]["role"] == "LEADER"
    assert len(grid["leader"]["phone"]) == 11
    assert {w["role"] for w in grid["workers"]} == {"FULL_TIME"}
    assert GRID in grid["partyBranch"]["gridCodes"]
    assert grid["partyBranch"]["name"].endswith("网格党支部")


async def test_region_answers_the_type_of_its_level(gql: GraphQLClient) -> None:
    body = await gql("""{ a: region(code: "330199") { __typename }
        b: region(code: "330199001") { __typename ... on Street { communities { code } } }
        c: region(code: "330199001001") { __typename parent { code } }
        d: region(code: "330199001001001001") { __typename ancestors { code } }
        e: region(code: "330199999") { code } }""")
    data = body["data"]
    assert [data[k]["__typename"] for k in "abcd"] == [
        "District",
        "Street",
        "Community",
        "MicroGrid",
    ]
    assert len(data["b"]["communities"]) == 10
    assert data["c"]["parent"]["code"] == "330199001"
    assert [a["code"] for a in data["d"]["ancestors"]] == [
        "330199",
        "330199001",
        "330199001001",
        "330199001001001",
    ]
    assert data["e"] is None


async def test_grid_rejects_a_code_of_another_level(gql: GraphQLClient) -> None:
    body = await gql('{ grid(code: "330199001") { code } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_grid_at_names_grid_micro_grid_and_community(
    gql: GraphQLClient, town_document: dict[str, Any]
) -> None:
    micro = next(f for f in town_document["features"] if len(f["properties"]["code"]) == 18)
    point = shape(micro["geometry"]).representative_point()
    body = await gql(
        "query($lat: Float!, $lon: Float!) { gridAt(lat: $lat, lon: $lon) {"
        " grid { code } microGrid { code address } community { code name } } }",
        lat=point.y,
        lon=point.x,
    )
    found = body["data"]["gridAt"]
    code = micro["properties"]["code"]
    assert found["microGrid"]["code"] == code
    assert found["grid"]["code"] == code[:15]
    assert found["community"]["code"] == code[:12]
    grid = next(f for f in town_document["features"] if f["properties"]["code"] == code[:15])
    assert shape(grid["geometry"]).contains(Point(point.x, point.y))


async def test_grid_at_outside_the_town_is_null_not_an_error(gql: GraphQLClient) -> None:
    body = await gql("{ gridAt(lat: 39.9042, lon: 116.4074) { grid { code } } }")
    assert body == {"data": {"gridAt": None}}


async def test_grid_at_off_the_globe_is_a_typed_error(gql: GraphQLClient) -> None:
    body = await gql("{ gridAt(lat: 91, lon: 0) { grid { code } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_departments_come_from_the_taxonomy(gql: GraphQLClient) -> None:
    body = await gql("{ departments { code name } }")
    found = {d["code"]: d["name"] for d in body["data"]["departments"]}
    assert {"police", "citymgmt", "petition", "health"} <= set(found)
    assert found["police"] == "公安分局"


async def test_geometry_is_geojson(gql: GraphQLClient) -> None:
    body = await gql(f'{{ grid(code: "{GRID}") {{ geometry areaSqm centroid {{ lat lon }} }} }}')
    grid = body["data"]["grid"]
    assert grid["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert shape(grid["geometry"]).contains(Point(grid["centroid"]["lon"], grid["centroid"]["lat"]))
    assert 50_000 < grid["areaSqm"] < 2_000_000
