"""A federation gateway's access: ``_service`` and ``_entities`` with its own key, and
nothing else; entity types' scopes hold per representation, whoever asks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.config import Settings
from hub.core.paths import PUBLISHED_SDL
from schema import print_sdl
from tests.conftest import GraphQLClient, in_production, running
from tests.support.principals import GRID_A, bearer

SDL = "{ _service { sdl } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename %s } }"
GRID = "... on Grid { code name leader { name } }"
EVENT = "... on GridEvent { id description }"
REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"""


async def post(app: Starlette, key: str | None, query: str, **variables: Any) -> httpx.Response:
    headers = bearer(key) if key else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", headers=headers
    ) as http:
        return await http.post("/graphql", json={"query": query, "variables": variables})


async def report(gql: GraphQLClient) -> str:
    body = await gql(
        REPORT,
        i={
            "category": "city.litter",
            "description": "楼道口堆放生活垃圾",
            "channel": "PATROL",
            "location": {"lat": 30.312, "lon": 120.053},
        },
    )
    event_id: str = body["data"]["reportEvent"]["id"]
    return event_id


def code_of(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def test_the_gateway_key_reads_the_printed_sdl(app: Starlette, keys: dict[str, str]) -> None:
    response = await post(app, keys["gateway"], SDL)
    assert response.status_code == 200
    assert response.json()["data"]["_service"]["sdl"] == print_sdl()


async def test_the_gateway_key_cannot_query_the_graph_directly(
    app: Starlette, keys: dict[str, str]
) -> None:
    """It holds grid:read, which region(...) needs; its role still keeps it to two fields."""
    for query in (
        f'{{ region(code: "{GRID_A}") {{ code }} }}',
        f'{{ _service {{ sdl }} grid(code: "{GRID_A}") {{ code }} }}',
        "{ departments { code } }",
    ):
        body = (await post(app, keys["gateway"], query)).json()
        assert "data" not in body, query  # a request error: nothing ran
        assert code_of(body) == "FORBIDDEN"
        assert body["errors"][0]["message"].startswith("this principal may select only")
        assert body["errors"][0]["extensions"]["allowedRootFields"] == ["_entities", "_service"]
    place = {"lat": 30.312, "lon": 120.053}
    mutation = await post(
        app,
        keys["gateway"],
        REPORT,
        i={"category": "city.litter", "description": "x", "channel": "PATROL", "location": place},
    )
    assert "data" not in mutation.json()
    assert mutation.json()["errors"][0]["extensions"]["field"] == "Mutation.reportEvent"


async def test_gateway_entities_answer_null_for_an_unknown_key(
    app: Starlette, keys: dict[str, str], gql: GraphQLClient
) -> None:
    event_id = await report(gql)
    representations = [
        {"__typename": "Grid", "code": GRID_A},
        {"__typename": "Grid", "code": "330199001099001"},  # well formed, not in the registry
        {"__typename": "GridEvent", "id": event_id},
        {"__typename": "GridEvent", "id": "01JUNKNOWNEVENT0000000000"},
    ]
    body = (
        await post(app, keys["gateway"], ENTITIES % f"{GRID} {EVENT}", r=representations)
    ).json()
    assert "errors" not in body, body
    grid, unknown_grid, event, unknown_event = body["data"]["_entities"]
    assert (grid["code"], unknown_grid, unknown_event) == (GRID_A, None, None)
    assert grid["leader"]["name"] != "", "masked, not withheld"
    assert "*" in grid["leader"]["name"], "the gateway holds no pii:read scope"
    assert event == {"__typename": "GridEvent", "id": event_id, "description": "楼道口堆放生活垃圾"}


async def test_an_entity_type_needs_its_scope_per_representation(
    app: Starlette, keys: dict[str, str], gql: GraphQLClient
) -> None:
    """The public view holds grid:read but not events:read: through _entities it gets
    grids, and no event, even when its document selects nothing of events."""
    event_id = await report(gql)
    representations = [
        {"__typename": "Grid", "code": GRID_A},
        {"__typename": "GridEvent", "id": event_id},
    ]
    body = (await post(app, keys["public"], ENTITIES % GRID, r=representations)).json()
    grid, event = body["data"]["_entities"]
    assert (grid["code"], event) == (GRID_A, None)
    assert [e["path"] for e in body["errors"]] == [["_entities", 1]]
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["extensions"]["requiredScopes"] == [["events:read"]]
    # Naming the event's fields refuses the whole document before anything runs.
    refused = (await post(app, keys["public"], ENTITIES % EVENT, r=representations[1:])).json()
    assert ("data" in refused, code_of(refused)) == (False, "FORBIDDEN")
    assert "GridEvent needs the scope events:read" in refused["errors"][0]["message"]


async def test_a_representation_naming_no_entity_type_is_bad_input(
    app: Starlette, keys: dict[str, str]
) -> None:
    representations = [
        {"__typename": "Nope", "code": GRID_A},
        {"code": GRID_A},
        {"__typename": "GeoPoint", "lat": 1},  # a type, but not an entity
        {"__typename": "Grid", "code": GRID_A},
    ]
    body = (await post(app, keys["gateway"], ENTITIES % GRID, r=representations)).json()
    assert [e and e["code"] for e in body["data"]["_entities"]] == [None, None, None, GRID_A]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["_entities", n], "BAD_USER_INPUT") for n in range(3)
    ]


async def test_a_requirement_moved_off_an_interface_in_the_sdl_is_still_enforced(
    app: Starlette, keys: dict[str, str]
) -> None:
    """The SDL carries Region's grid:read on its implementations only (composition
    refuses it on an interface); the hub refuses by its own declaration, whatever a
    gateway makes of the SDL: in the document, and per representation."""
    assert 'interface Region @key(fields: "code") {' in PUBLISHED_SDL.read_text(encoding="utf-8")
    region = [{"__typename": "Region", "code": GRID_A}]
    by_fragment = await post(app, keys["monitoring"], ENTITIES % "... on Region { code }", r=region)
    assert ("data" in by_fragment.json(), code_of(by_fragment.json())) == (False, "FORBIDDEN")
    by_data = (await post(app, keys["monitoring"], ENTITIES % "", r=region)).json()
    assert by_data["data"] == {"_entities": [None]}
    assert by_data["errors"][0]["message"] == "Region needs the scope grid:read"


async def test_dev_mode_answers_service_without_a_key(app: Starlette) -> None:
    response = await post(app, None, SDL)
    assert response.status_code == 200
    assert response.json()["data"]["_service"]["sdl"].startswith('"""')
    entities = await post(app, None, ENTITIES % GRID, r=[{"__typename": "Grid", "code": GRID_A}])
    assert entities.status_code == 401


@pytest.fixture
async def production(town_settings: Settings) -> AsyncIterator[Starlette]:
    settings = in_production(town_settings)
    async with running(settings) as application:
        await application.state.services.security.documents.register(SDL, "gateway sdl")
        yield application


async def test_production_answers_service_only_with_a_key(
    production: Starlette, keys: dict[str, str]
) -> None:
    anonymous = await post(production, None, SDL)
    assert anonymous.status_code == 401
    assert code_of(anonymous.json()) == "UNAUTHENTICATED"
    gateway = await post(production, keys["gateway"], SDL)
    assert gateway.json()["data"]["_service"]["sdl"] == print_sdl()
