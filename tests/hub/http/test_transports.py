"""``/graphql`` over every transport, and the probes beside it."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection

from hub.app import create_app
from hub.config import Settings
from tests.support.live import graphql_ws, live_server
from tests.support.principals import bearer

COUNT = "{ grids(first: 1) { totalCount } }"


async def test_post_answers_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": COUNT})
    assert response.status_code == 200
    assert response.json() == {"data": {"grids": {"totalCount": 83}}}


async def test_get_answers_queries(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": COUNT})
    assert response.json() == {"data": {"grids": {"totalCount": 83}}}


async def test_get_with_variables(client: httpx.AsyncClient) -> None:
    query = "query($c: String!) { region(code: $c) { name } }"
    response = await client.get(
        "/graphql", params={"query": query, "variables": json.dumps({"c": "330199"})}
    )
    assert response.json() == {"data": {"region": {"name": "临江区"}}}


async def test_chinese_text_is_sent_as_itself(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": '{ region(code: "330199") { name } }'})
    assert "临江区".encode() in response.content


async def test_graphiql_is_served_to_browsers_in_dev_mode(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_sse_streams_a_query_as_next_then_complete(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": COUNT}, headers={"accept": "text/event-stream"}
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    assert events == [("next", {"data": {"grids": {"totalCount": 83}}}), ("complete", None)]


async def test_sse_reports_errors_in_the_stream(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": '{ grid(code: "33") { code } }'},
        headers={"accept": "text/event-stream"},
    )
    (kind, payload), complete = parse_events(response.text)
    assert kind == "next"
    assert payload["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert complete == ("complete", None)


async def test_sse_refuses_a_document_that_does_not_validate_before_streaming(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"accept": "text/event-stream"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_sse_rejects_a_body_without_a_query(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"variables": {}}, headers={"accept": "text/event-stream"}
    )
    assert response.status_code == 400


def parse_events(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.partition(": ")[::2] for line in block.splitlines())
        data = fields.get("data", "").strip()
        events.append((fields["event"], json.loads(data) if data else None))
    return events


async def ws_call(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def ws_receive(ws: ClientConnection) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))


async def test_websocket_subscription_sees_each_registry_revision(
    town_settings: Settings, town_document: dict[str, Any], keys: dict[str, str]
) -> None:
    app = create_app(town_settings)
    async with (
        live_server(app) as address,
        graphql_ws(address) as ws,
    ):
        await ws_call(ws, {"type": "connection_init", "payload": bearer(keys["public"])})
        assert await ws_receive(ws) == {"type": "connection_ack"}
        await ws_call(
            ws,
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { registryRevision }"},
            },
        )
        assert await ws_receive(ws) == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"registryRevision": 1}},
        }
        grid = next(f for f in town_document["features"] if len(f["properties"]["code"]) == 15)
        document = {"type": "FeatureCollection", "features": [grid]}
        await app.state.services.registry.import_document(document, "ws test")
        assert await ws_receive(ws) == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"registryRevision": 2}},
        }
        await ws_call(ws, {"id": "1", "type": "complete"})


async def test_websocket_runs_queries_too(town_settings: Settings, keys: dict[str, str]) -> None:
    async with (
        live_server(create_app(town_settings)) as address,
        graphql_ws(address) as ws,
    ):
        await ws_call(ws, {"type": "connection_init", "payload": bearer(keys["public"])})
        await ws_receive(ws)
        await ws_call(ws, {"id": "q", "type": "subscribe", "payload": {"query": COUNT}})
        assert (await ws_receive(ws))["payload"] == {"data": {"grids": {"totalCount": 83}}}
        assert await ws_receive(ws) == {"id": "q", "type": "complete"}


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok"},
        "registryRevision": 1,
        "bus": "ok",
        "departments": dict.fromkeys(
            ["citymgmt", "emergency", "health", "petition", "police"], "OFF"
        ),
    }


async def test_readyz_fails_closed_when_the_database_is_gone(tmp_path: Any) -> None:
    missing = tmp_path / "no-such-dir" / "sub" / "hub.db"
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{missing}"))
    missing.parent.rmdir()  # the engine made it; take it away again
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        ready = await http.get("/readyz")
    await app.state.services.aclose()  # no lifespan ran: close what the app opened
    await asyncio.to_thread(_join_sqlite_workers)  # the failed connect's thread ends in this loop
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "unreachable"}


async def test_metrics_count_operations_and_errors(
    app: Starlette, client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    await client.post("/graphql", json={"query": COUNT, "operationName": None})
    await client.post("/graphql", json={"query": "query Broken { nope }"})
    await client.post("/graphql", json={"query": "query Broken { nope }"})
    await client.post("/graphql", json={"query": COUNT, "operationName": None})
    text = (await client.get("/metrics", headers=bearer(keys["monitoring"]))).text
    assert 'hub_graphql_requests_total{operation="anonymous",outcome="ok"} 2.0' in text
    assert 'hub_graphql_requests_total{operation="Broken",outcome="error"} 2.0' in text
    assert 'hub_graphql_request_duration_seconds_count{operation="Broken"} 2.0' in text
    assert (
        'hub_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED",operation="Broken"} 2.0' in text
    )
    assert 'hub_http_requests_total{method="POST",route="/graphql",status="200"} 4.0' in text
    assert "hub_graphql_request_duration_seconds_bucket" in text


def _join_sqlite_workers() -> None:
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)"):
            thread.join(timeout=5)
