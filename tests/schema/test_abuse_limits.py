"""Cost, rate, body size and trusted documents refuse with typed errors, and the hub
keeps serving everyone else while it refuses a flood."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from hub.app import create_app
from hub.config import Mode, Settings
from hub.security.settings import RateLimit, SecuritySettings
from tests.conftest import in_production, running
from tests.hub.http.test_transports import ws_call, ws_receive
from tests.support.live import graphql_ws, live_server
from tests.support.principals import bearer

COUNT = "{ grids(first: 1) { totalCount } }"
SIZED = (
    "query($n: Int!) { grids(first: $n) { edges { node { ... on Grid { workers { role } } } } } }"
)


def settings_with(town_settings: Settings, **security: object) -> Settings:
    return town_settings.model_copy(update={"security": SecuritySettings(**security)})


@pytest.fixture
async def limited(town_settings: Settings) -> AsyncIterator[Starlette]:
    settings = settings_with(
        town_settings,
        max_cost=300,
        rate_limit=RateLimit(per_second=0.5, burst=3),
        max_body_bytes=4096,
    )
    async with running(settings) as app:
        yield app


@pytest.fixture
async def http(limited: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client


async def post(
    http: httpx.AsyncClient, key: str, query: str, **variables: object
) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(key)
    )


async def test_the_cost_estimate_refuses_before_execution(
    http: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    small = await post(http, keys["public"], SIZED, n=5)
    assert "errors" not in small.json()
    large = await post(http, keys["command"], SIZED, n=40)  # 1 + 40 × (1 + 1 + 10 × 1)
    error = large.json()["errors"][0]
    assert error["extensions"] == {"code": "COST_LIMIT_EXCEEDED", "cost": 481, "limit": 300}
    assert "data" not in large.json()  # refused before execution: nothing ran


async def test_the_rate_limit_is_429_with_retry_after_then_recovers_per_principal(
    http: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    answers = [await post(http, keys["public"], COUNT) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 2}
    assert (await post(http, keys["auditor"], COUNT)).status_code == 200  # another principal


async def test_the_rate_limit_refuses_websocket_operations_with_a_typed_error(
    limited: Starlette, keys: dict[str, str]
) -> None:
    async with (
        live_server(limited) as address,
        graphql_ws(address) as ws,
    ):
        await ws_call(ws, {"type": "connection_init", "payload": bearer(keys["public"])})
        assert await ws_receive(ws) == {"type": "connection_ack"}
        seen = []
        for op in "1234":
            await ws_call(ws, {"id": op, "type": "subscribe", "payload": {"query": COUNT}})
            message = await ws_receive(ws)
            seen.append(message["type"])
            if message["type"] == "next":
                await ws_receive(ws)  # complete
        assert seen == ["next", "next", "next", "error"]
        assert message["payload"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_an_oversized_body_is_413_whether_announced_or_streamed(
    http: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    padding = " " * 5000
    announced = await http.post(
        "/graphql", json={"query": COUNT + padding}, headers=bearer(keys["public"])
    )
    assert announced.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        yield json.dumps({"query": COUNT + padding}).encode()

    streamed = await http.post(
        "/graphql",
        content=chunks(),
        headers={**bearer(keys["public"]), "content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert streamed.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


# -- trusted documents, production mode ---------------------------------------------------


@pytest.fixture
async def production(town_settings: Settings) -> AsyncIterator[Starlette]:
    settings = in_production(town_settings)
    async with running(settings) as app:
        yield app


async def test_production_runs_only_registered_documents(
    production: Starlette, keys: dict[str, str]
) -> None:
    digest, _ = await production.state.services.security.documents.register(COUNT, "count")
    assert digest == hashlib.sha256(COUNT.encode()).hexdigest()
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", headers=bearer(keys["public"])
    ) as http:
        unknown = (await http.post("/graphql", json={"query": "{ departments { code } }"})).json()
        assert unknown["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
        by_text = (await http.post("/graphql", json={"query": COUNT})).json()
        assert by_text == {"data": {"grids": {"totalCount": 83}}}
        hashed = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        by_hash = (await http.post("/graphql", json={"extensions": hashed})).json()
        assert by_hash == by_text
        wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
        mismatch = (await http.post("/graphql", json={"query": COUNT, "extensions": wrong})).json()
        assert mismatch["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_production_refuses_anonymous_callers_and_introspection(
    production: Starlette, keys: dict[str, str]
) -> None:
    introspect = "{ __schema { queryType { name } } }"
    await production.state.services.security.documents.register(introspect, "introspect")
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        anonymous = await http.post("/graphql", json={"query": introspect})
        assert anonymous.status_code == 401
        public = await http.post(
            "/graphql", json={"query": introspect}, headers=bearer(keys["public"])
        )
        assert public.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        admin = await http.post(
            "/graphql", json={"query": introspect}, headers=bearer(keys["admin"])
        )
        assert admin.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        graphiql = await http.get(
            "/graphql", headers={"accept": "text/html", **bearer(keys["admin"])}
        )
        assert graphiql.status_code == 406  # no page in production: JSON only
        assert "graphiql" not in graphiql.text.lower()


def test_production_will_not_start_without_an_audit_signing_key(town_settings: Settings) -> None:
    from hub.security.service import SecurityConfigError  # noqa: PLC0415

    with pytest.raises(SecurityConfigError, match="AUDIT_SIGNING_KEY"):
        create_app(town_settings.model_copy(update={"mode": Mode.PRODUCTION}))


async def test_dev_mode_lets_anonymous_graphiql_read_the_schema_only(
    anonymous: httpx.AsyncClient,
) -> None:
    schema = await anonymous.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert schema.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    data = await anonymous.post("/graphql", json={"query": COUNT})
    assert data.status_code == 401
    assert data.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await anonymous.get("/metrics")).status_code == 401
    assert (await anonymous.get("/healthz")).status_code == 200


# -- responsiveness under a flood -------------------------------------------------------------


async def test_the_hub_keeps_serving_others_while_refusing_a_flood(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    app = create_app(settings_with(town_settings, rate_limit=RateLimit(per_second=5, burst=5)))
    deep = '{ region(code: "330199") { ' + "parent { " * 14 + "code" + " }" * 16
    async with (
        live_server(app) as address,
        httpx.AsyncClient(
            base_url=f"http://{address}", timeout=30, limits=httpx.Limits(max_connections=20)
        ) as http,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=30) as other,
    ):

        async def flood(key: str, query: str, count: int) -> list[tuple[int, str | None]]:
            answers = await asyncio.gather(
                *(
                    http.post("/graphql", json={"query": query}, headers=bearer(key))
                    for _ in range(count)
                )
            )
            return [(a.status_code, _code(a)) for a in answers]

        async def served() -> list[float]:
            """Another principal on its own connection, while the flood is under way."""
            await other.get("/healthz")  # connected before the flood starts
            await asyncio.sleep(0.1)
            latencies = []
            for _ in range(5):
                started = time.perf_counter()
                answer = await other.post(
                    "/graphql", json={"query": COUNT}, headers=bearer(keys["auditor"])
                )
                latencies.append(time.perf_counter() - started)
                assert answer.json() == {"data": {"grids": {"totalCount": 83}}}
                await asyncio.sleep(0.05)
            return latencies

        rated, deep_refused, latencies = await asyncio.gather(
            flood(keys["public"], COUNT, 300), flood(keys["handler"], deep, 5), served()
        )
    assert rated.count((429, "RATE_LIMITED")) >= 250  # refused cheaply, before any parsing
    assert deep_refused == [(200, "DEPTH_LIMIT_EXCEEDED")] * 5
    assert max(latencies) < 1.0, latencies


def _code(answer: httpx.Response) -> str | None:
    errors = answer.json().get("errors")
    return str(errors[0]["extensions"]["code"]) if errors else None
