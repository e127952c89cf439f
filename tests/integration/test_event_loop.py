"""Done-when 1, up to the connector: a report goes round the loop on real Kafka, through a
department system over real HTTP, and a GraphQL subscriber over WebSocket sees every
step in order. A small case system of the test's own stands in for the department, so
the test controls each upstream step; test_city_loop.py runs the same loop through the
city-management simulator and its connector."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from hub.app import create_app
from hub.bus import BackendKind
from hub.config import Settings
from hub.core.workorders import LifecycleStatus
from hub.dispatch import FeedSpec
from tests.support.buses import fresh_topics, kafka_backend, kafka_settings
from tests.support.department import CaseSystem, CaseSystemClient
from tests.support.events import INSIDE, bus_settings
from tests.support.live import live_server
from tests.support.principals import bearer

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

SUBSCRIBE = """subscription($f: GridEventFilter) {
  gridEvents(filter: $f) { step eventId status department gridCode } }"""
REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id status gridCode } }"""


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
    assert message["type"] == "next", message
    return message["payload"]["data"]["gridEvents"]  # type: ignore[no-any-return]


async def until_ready(settings_app: Any) -> None:
    live = settings_app.state.services.bus.live
    async with asyncio.timeout(30):
        await live.ready.wait()


async def test_report_to_resolution_over_kafka_seen_over_websocket(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    async with kafka_backend():  # fails under CI when the broker is missing
        pass
    topics = fresh_topics()
    settings = town_settings.model_copy(
        update={"bus": bus_settings(topics, backend=BackendKind.KAFKA, kafka=kafka_settings())}
    )
    cases = CaseSystem()
    async with live_server(cases.app()) as department:
        client = CaseSystemClient(f"http://{department}")
        app = create_app(settings)
        statuses = {"处置中": LifecycleStatus.IN_PROGRESS, "已结案": LifecycleStatus.RESOLVED}
        app.state.services.bus.links.add_sink(client)
        app.state.services.bus.links.add_feed(FeedSpec(client, "citymgmt", "case", statuses))
        async with (
            live_server(app) as hub,
            connect(
                f"ws://{hub}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
            ) as ws,
            httpx.AsyncClient(
                base_url=f"http://{hub}", timeout=10, headers=bearer(keys["command"])
            ) as http,
        ):
            init = {"type": "connection_init", "payload": bearer(keys["command"])}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv()) == {"type": "connection_ack"}
            within = {"f": {"within": "330199001006"}}  # the community of INSIDE
            payload = {"query": SUBSCRIBE, "variables": within}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            await until_ready(app)

            lat, lon = INSIDE
            variables = {
                "i": {
                    "category": "municipal.manhole_cover",
                    "description": "井盖缺失",
                    "channel": "PATROL",
                    "location": {"lat": lat, "lon": lon},
                }
            }
            body = (
                await http.post("/graphql", json={"query": REPORT, "variables": variables})
            ).json()
            event_id = body["data"]["reportEvent"]["id"]

            seen = [await receive(ws) for _ in range(3)]
            case_id = cases.by_key[event_id]
            async with httpx.AsyncClient(base_url=f"http://{department}") as upstream:
                await upstream.post(f"/cases/{case_id}/status", json={"status": "已结案"})
            seen.append(await receive(ws))
        await client.aclose()

    assert [(s["step"], s["status"]) for s in seen] == [
        ("REPORTED", "REPORTED"),
        ("ROUTED", "ROUTED"),
        ("ACCEPTED", "ACCEPTED"),
        ("RESOLVED", "RESOLVED"),
    ]
    assert {s["eventId"] for s in seen} == {event_id}
    assert {s["gridCode"] for s in seen} == {"330199001006005"}
    assert seen[2]["department"] == "citymgmt"
    assert cases.cases[case_id]["eventId"] == event_id
    assert len(cases.cases) == 1
