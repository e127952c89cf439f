"""Federation: the published SDL, and ``_entities`` batched through one loader."""

from __future__ import annotations

from hub.core.paths import PUBLISHED_SDL
from schema import print_sdl
from tests.conftest import GraphQLClient
from tests.schema.conftest import Statements
from tests.support.connectors import PUBLISH, built_in_sdl

ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
    __typename ... on Grid { code name leader { role } } ... on Community { code name } } }"""


def test_the_published_sdl_is_the_printed_one() -> None:
    """The contract is the hub's graph as shipped: its own connectors, not whatever else
    this environment has installed beside them."""
    assert PUBLISHED_SDL.read_text(encoding="utf-8") == built_in_sdl(), (
        f"contracts/graph/schema.graphql is stale: run `{PUBLISH}`"
    )


async def test_service_sdl_is_the_printed_one(gql: GraphQLClient) -> None:
    """``_service { sdl }`` is what ``hub schema print`` gives for this installation
    (the published contract when only the built-in connectors are installed)."""
    body = await gql("{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert sdl == print_sdl()
    assert 'type Grid implements Region @key(fields: "code")' in sdl
    assert 'interface Region @key(fields: "code")' in sdl


async def test_registry_entities_resolve_from_memory(
    gql: GraphQLClient, statements: Statements
) -> None:
    grids = [{"__typename": "Grid", "code": f"330199001{c:03d}001"} for c in range(1, 11)]
    communities = [{"__typename": "Community", "code": f"330199001{c:03d}"} for c in range(1, 11)]
    async with statements.during() as sent:
        body = await gql(ENTITIES, r=grids + communities)
    entities = body["data"]["_entities"]
    assert [e["code"] for e in entities] == [r["code"] for r in grids + communities]
    assert {e["__typename"] for e in entities[:10]} == {"Grid"}
    assert all(e["leader"]["role"] == "LEADER" for e in entities[:10])
    # The registry snapshot answers: no table is read per representation, or at all.
    assert sent
    assert [s for s in sent if "FROM regions" in s or "FROM grid_workers" in s] == []


async def test_event_entities_resolve_in_one_batched_query(
    gql: GraphQLClient, statements: Statements
) -> None:
    report = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"""
    place = {"lat": 30.312, "lon": 120.053}
    ids = []
    for n in range(5):
        body = await gql(
            report,
            i={
                "category": "city.litter",
                "description": f"垃圾{n}",
                "channel": "PATROL",
                "location": place,
            },
        )
        ids.append(body["data"]["reportEvent"]["id"])
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on GridEvent { id } } }"
    async with statements.during() as sent:
        body = await gql(query, r=[{"__typename": "GridEvent", "id": i} for i in ids])
    assert [e["id"] for e in body["data"]["_entities"]] == ids
    event_reads = [s for s in sent if "FROM grid_events" in s]
    assert len(event_reads) == 1, event_reads


async def test_entities_of_the_wrong_type_or_unknown_are_null(gql: GraphQLClient) -> None:
    body = await gql(
        ENTITIES,
        r=[
            {"__typename": "Grid", "code": "330199001001"},
            {"__typename": "Grid", "code": "330199001099001"},
            {"__typename": "Grid", "code": "not-a-code"},
        ],
    )
    assert body["data"]["_entities"] == [None, None, None]


async def test_the_region_interface_resolves_to_its_concrete_type(gql: GraphQLClient) -> None:
    body = await gql(ENTITIES, r=[{"__typename": "Region", "code": "330199001001001"}])
    assert body["data"]["_entities"] == [
        {
            "__typename": "Grid",
            "code": "330199001001001",
            "name": body["data"]["_entities"][0]["name"],
            "leader": {"role": "LEADER"},
        }
    ]
