"""A grid worker of grid A cannot read grid B's data by any path: queries, lists,
``_entities`` with a guessed key, SSE, and subscriptions over WebSocket. A revoked key
ends its subscriptions at the next event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection

from hub.app import create_app
from hub.config import Settings
from schema import Info, build
from schema.people import GridWorker
from tests.conftest import GraphQLClient
from tests.hub.http.test_transports import parse_events, ws_call, ws_receive
from tests.support.live import graphql_ws, live_server
from tests.support.principals import GRID_A, GRID_B, bearer

COMMUNITY_A, COMMUNITY_B = GRID_A[:12], GRID_B[:12]
PATROL = quote("巡查")  # X-Purpose is percent-encoded UTF-8 beyond ASCII


@pytest.fixture
async def worker(app: Starlette, keys: dict[str, str]) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    headers = bearer(keys["grid_worker"], purpose=PATROL)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", headers=headers
    ) as http:
        yield GraphQLClient(http)


async def test_single_lookups_of_another_grid_are_null(worker: GraphQLClient) -> None:
    body = await worker(
        f"""{{ own: grid(code: "{GRID_A}") {{ code }}
              other: grid(code: "{GRID_B}") {{ code leader {{ name }} }}
              otherRegion: region(code: "{GRID_B}001") {{ code }}
              otherCommunity: region(code: "{COMMUNITY_B}") {{ code }}
              ownCommunity: region(code: "{COMMUNITY_A}") {{ code }} }}"""
    )
    assert body["data"] == {
        "own": {"code": GRID_A},
        "other": None,
        "otherRegion": None,
        "otherCommunity": None,
        "ownCommunity": {"code": COMMUNITY_A},
    }


async def test_lists_hold_only_their_own_grid_and_the_way_down_to_it(
    worker: GraphQLClient,
) -> None:
    body = await worker(
        f"""{{ grids(level: GRID, first: 100) {{ totalCount edges {{ node {{ code }} }} }}
              communities: grids(level: COMMUNITY, first: 100) {{ totalCount }}
              micro: grids(within: "{COMMUNITY_B}", level: MICRO_GRID, first: 100) {{ totalCount }}
              region(code: "{COMMUNITY_A}") {{ children {{ code }}
                ... on Community {{ grids {{ code }} street {{ communities {{ code }} }} }} }} }}"""
    )
    data = body["data"]
    assert data["grids"] == {"totalCount": 1, "edges": [{"node": {"code": GRID_A}}]}
    assert data["communities"] == {"totalCount": 1}
    assert data["micro"] == {"totalCount": 0}
    assert data["region"]["children"] == [{"code": GRID_A}]
    assert data["region"]["grids"] == [{"code": GRID_A}]
    assert data["region"]["street"]["communities"] == [{"code": COMMUNITY_A}]


async def test_entities_with_guessed_keys_are_null(worker: GraphQLClient) -> None:
    guesses = [GRID_A, GRID_B, f"{GRID_B}001", COMMUNITY_B, COMMUNITY_A, "330199001009009"]
    body = await worker(
        "query($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on Region { code } ... on Grid { leader { name } } } }",
        r=[{"__typename": "Region", "code": code} for code in guesses],
    )
    codes = [e and e["code"] for e in body["data"]["_entities"]]
    assert codes == [GRID_A, None, None, None, COMMUNITY_A, None]
    assert "*" not in body["data"]["_entities"][0]["leader"]["name"]


async def test_a_point_in_another_grid_is_refused(
    worker: GraphQLClient, town_document: dict[str, Any]
) -> None:
    micro = next(f for f in town_document["features"] if f["properties"]["code"].startswith(GRID_B))
    lat, lon = micro["properties"].get("centroid", [None, None])[::-1] or (None, None)
    if lat is None:
        from shapely.geometry import shape  # noqa: PLC0415

        point = shape(micro["geometry"]).representative_point()
        lat, lon = point.y, point.x
    body = await worker(
        "query($lat: Float!, $lon: Float!) { gridAt(lat: $lat, lon: $lon) { grid { code } } }",
        lat=lat,
        lon=lon,
    )
    assert body["data"] == {"gridAt": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_sse_answers_the_same(app: Starlette, keys: dict[str, str]) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        response = await http.post(
            "/graphql",
            json={"query": f'{{ grid(code: "{GRID_B}") {{ code }} }}'},
            headers={**bearer(keys["grid_worker"]), "accept": "text/event-stream"},
        )
    assert parse_events(response.text)[0] == ("next", {"data": {"grid": None}})


# -- subscriptions -------------------------------------------------------------------------


@pytest.fixture
def feed(monkeypatch: pytest.MonkeyPatch) -> asyncio.Queue[str]:
    """A subscription the test drives: each grid code put here yields that grid's leader."""
    codes: asyncio.Queue[str] = asyncio.Queue()

    @strawberry.type
    class WorkerFeed:
        @strawberry.subscription(name="workerFeed")  # type: ignore[untyped-decorator]
        async def worker_feed(self, info: Info) -> AsyncGenerator[GridWorker, None]:
            while True:
                code = await codes.get()
                staff = await info.context.loaders.workers.load(code)
                yield GridWorker.of(staff[0])

    monkeypatch.setattr(build, "SUBSCRIPTION_PARTS", (*build.SUBSCRIPTION_PARTS, WorkerFeed))
    return codes


async def subscribe(ws: ClientConnection, key: str, query: str) -> None:
    await ws_call(ws, {"type": "connection_init", "payload": bearer(key, purpose=PATROL)})
    assert await ws_receive(ws) == {"type": "connection_ack"}
    await ws_call(ws, {"id": "s", "type": "subscribe", "payload": {"query": query}})


async def test_a_subscription_delivers_only_own_grid_events(
    town_settings: Settings, keys: dict[str, str], feed: asyncio.Queue[str]
) -> None:
    app = create_app(town_settings)
    async with (
        live_server(app) as address,
        graphql_ws(address) as ws,
    ):
        await subscribe(ws, keys["grid_worker"], "subscription { workerFeed { gridCode name } }")
        await asyncio.sleep(0.1)
        await feed.put(GRID_B)  # none of these may arrive
        await feed.put(GRID_A)
        first = await ws_receive(ws)
        assert first["payload"]["data"]["workerFeed"]["gridCode"] == GRID_A
        assert "*" not in first["payload"]["data"]["workerFeed"]["name"]


async def test_a_revoked_key_ends_its_subscription(
    town_settings: Settings, keys: dict[str, str], feed: asyncio.Queue[str]
) -> None:
    settings = town_settings.model_copy(deep=True)
    settings.security.principal_cache_seconds = 0.05
    app = create_app(settings)
    async with (
        live_server(app) as address,
        graphql_ws(address) as ws,
    ):
        await subscribe(ws, keys["public"], "subscription { workerFeed { gridCode name } }")
        await asyncio.sleep(0.1)
        await feed.put(GRID_A)
        assert (await ws_receive(ws))["type"] == "next"
        security = app.state.services.security
        key = next(k for k in await security.keys.list() if k.name == "public view")
        await security.keys.revoke(key.id)
        await asyncio.sleep(0.1)  # past the principal cache
        await feed.put(GRID_A)
        ended = await ws_receive(ws)
        assert ended["type"] == "next"
        assert ended["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await ws_receive(ws) == {"id": "s", "type": "complete"}
