"""The whole loop through a real department system: a grid worker's report reaches the
city-management simulator over real HTTP as a case, and the case's progress upstream
comes back through its change feed; a WebSocket subscriber sees each step, in order.
The bus is real Kafka."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from hub.app import create_app
from hub.bus import BackendKind
from hub.config import Settings
from hub.demo.departments import lay_crosswalk, pointed_at
from tests.support.buses import fresh_topics, kafka_backend, kafka_settings
from tests.support.departments import Departments
from tests.support.events import INSIDE, bus_settings
from tests.support.live import graphql_ws, live_server
from tests.support.principals import bearer

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

SUBSCRIBE = """subscription($f: GridEventFilter) {
  gridEvents(filter: $f) { step eventId status department gridCode } }"""
REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id status gridCode } }"""
ORDERS = """query($id: ID!) { event(id: $id) { status
  departmentOrders { department upstream { system id } } } }"""
MANHOLE = {
    "category": "municipal.manhole_cover",  # 数字城管 0405 井盖缺失
    "description": "巡查发现人行道井盖缺失，已设置临时警示",
    "channel": "PATROL",
    "location": {"lat": INSIDE[0], "lon": INSIDE[1]},
}


async def next_update(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
    assert message["type"] == "next", message
    return message["payload"]["data"]["gridEvents"]  # type: ignore[no-any-return]


async def updates_until(ws: ClientConnection, event_id: str, step: str) -> list[dict[str, Any]]:
    """The event's updates up to ``step``; other events in the community (those the
    installed connectors' feeds open) pass by."""
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["step"] != step:
        update = await next_update(ws)
        if update["eventId"] == event_id:
            seen.append(update)
    return seen


async def ledger_event(
    http: httpx.AsyncClient, event_id: str, ready: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The event as the ledger has it once ``ready``: the ledger's own consumer may trail
    the live stream a subscriber reads."""
    async with asyncio.timeout(10):
        while True:
            body = await http.post(
                "/graphql", json={"query": ORDERS, "variables": {"id": event_id}}
            )
            event: dict[str, Any] = body.json()["data"]["event"]
            if ready(event):
                return event
            await asyncio.sleep(0.05)


def on_kafka(settings: Settings, urls: dict[str, str]) -> Settings:
    bus = bus_settings(fresh_topics(), backend=BackendKind.KAFKA, kafka=kafka_settings())
    return pointed_at(settings, urls).model_copy(update={"bus": bus})


async def test_a_report_goes_round_the_loop_through_city_management(
    town_settings: Settings,
    systems: Departments,
    town_document: dict[str, Any],
    keys: dict[str, str],
) -> None:
    async with kafka_backend():  # fails under CI when the broker is missing
        pass
    app = create_app(on_kafka(town_settings, systems.urls))
    services = app.state.services
    command = bearer(keys["command"], purpose="tests")
    async with (
        live_server(app) as hub,
        graphql_ws(hub) as ws,
        httpx.AsyncClient(base_url=f"http://{hub}", timeout=10, headers=command) as http,
    ):
        await lay_crosswalk(services.crosswalk, town_document)
        await services.connectors.attach(services.crosswalk, services.registry)
        await ws.send(json.dumps({"type": "connection_init", "payload": command}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        payload = {"query": SUBSCRIBE, "variables": {"f": {"within": "330199001006"}}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        async with asyncio.timeout(30):
            await services.bus.live.ready.wait()

        report = await http.post("/graphql", json={"query": REPORT, "variables": {"i": MANHOLE}})
        event_id = report.json()["data"]["reportEvent"]["id"]
        accepted = await updates_until(ws, event_id, "ACCEPTED")
        ordered = await ledger_event(http, event_id, lambda e: bool(e["departmentOrders"]))
        case_id = ordered["departmentOrders"][0]["upstream"]["id"]
        # The city-management centre works the case up to on-site checking (核查).
        advanced = await systems.admin["citymgmt"].post(
            f"/_admin/advance/{case_id}", json={"status": "核查", "note": "井盖已补装"}
        )
        assert advanced.status_code == 200, advanced.text
        resolved = await updates_until(ws, event_id, "RESOLVED")
        event = await ledger_event(http, event_id, lambda e: e["status"] == "RESOLVED")

    steps = [(u["step"], u["status"]) for u in accepted + resolved]
    assert steps[:3] == [("REPORTED", "REPORTED"), ("ROUTED", "ROUTED"), ("ACCEPTED", "ACCEPTED")]
    assert steps[-1] == ("RESOLVED", "RESOLVED")
    assert {step for step, _ in steps[3:-1]} <= {"PROGRESSED"}
    assert accepted[2]["department"] == "citymgmt"
    assert event["departmentOrders"] == [
        {"department": "citymgmt", "upstream": {"system": "citymgmt", "id": case_id}}
    ]
