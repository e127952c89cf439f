"""PostgreSQL taken away from a running hub and given back, through a TCP proxy the test
cuts: while it is away every answer is typed (503 with Retry-After, or
SERVICE_UNAVAILABLE), never a 500; readiness says so; and when it returns the hub
recovers by itself, its bus included, and nothing it accepted before is lost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from connectors.sdk.simulation import generate_town
from hub.app import create_app
from hub.bus import BackendKind
from hub.config import Settings
from hub.events import GridEventType
from hub.registry.importer import import_document
from tests.conftest import migrated
from tests.support.buses import fresh_topics, kafka_settings
from tests.support.databases import fresh_postgres_database
from tests.support.events import bus_settings
from tests.support.live import live_server
from tests.support.principals import bearer, make_keys
from tests.support.proxy import Proxy

pytestmark = pytest.mark.integration
REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id status } }"""
EVENT = """query($id: ID!) { event(id: $id) { status } }"""
WITHIN = 60.0  # seconds for the hub to recover once the database is back


@pytest.fixture
async def database_behind_a_proxy() -> AsyncIterator[tuple[str, dict[str, str], Proxy]]:
    async with fresh_postgres_database() as url:
        async with migrated(url) as database:
            await import_document(database, generate_town(), "outage test")
            keys = await make_keys(database)
        direct = make_url(url)
        proxy = Proxy(direct.host or "127.0.0.1", direct.port or 5432)
        await proxy.open()
        try:
            yield direct.set(port=proxy.port).render_as_string(hide_password=False), keys, proxy
        finally:
            await proxy.cut()


def _report() -> dict[str, Any]:
    return {
        "i": {
            "category": "municipal.manhole_cover",
            "description": "井盖缺失",
            "channel": "PATROL",
            "location": {"lat": 30.3120, "lon": 120.0530},
        }
    }


async def _status(http: httpx.AsyncClient, key: str, event_id: str) -> str | None:
    answer = await http.post(
        "/graphql", json={"query": EVENT, "variables": {"id": event_id}}, headers=bearer(key)
    )
    event = (answer.json().get("data") or {}).get("event")
    return event["status"] if event else None


async def _until(check: Any, within: float = WITHIN) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:  # how long it took, for the log
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.25)
    pytest.fail(f"not within {within} s")


@pytest.mark.parametrize("backend", [BackendKind.EMBEDDED, BackendKind.KAFKA])
async def test_a_database_outage_is_typed_temporary_and_survived(
    database_behind_a_proxy: tuple[str, dict[str, str], Proxy], backend: BackendKind
) -> None:
    url, keys, proxy = database_behind_a_proxy
    extra = {"kafka": kafka_settings()} if backend is BackendKind.KAFKA else {}
    bus = bus_settings(fresh_topics(), backend=backend, **extra)
    app = create_app(Settings(database_url=url, log_level="WARNING", bus=bus))
    async with (
        live_server(app) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=30) as http,
    ):
        command = keys["command"]
        before = await http.post(
            "/graphql", json={"query": REPORT, "variables": _report()}, headers=bearer(command)
        )
        accepted = before.json()["data"]["reportEvent"]["id"]
        await _until(lambda: _routed(http, command, accepted))

        await proxy.cut()
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "unreachable"
        assert ready.json()["bus"].startswith("degraded: database unreachable")  # at once
        fresh_key = await http.post(  # never looked up before: the gate must ask the database
            "/graphql",
            json={"query": "{ viewer { id } }"},
            headers={**bearer(keys["handler"]), "accept": "application/graphql-response+json"},
        )
        assert fresh_key.status_code == 503
        assert fresh_key.headers["retry-after"] == "5"
        assert fresh_key.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        during = await http.post(
            "/graphql", json={"query": REPORT, "variables": _report()}, headers=bearer(command)
        )
        assert during.status_code in {200, 503}  # 503 from the gate, if the key's cache expired
        assert during.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        open311 = await http.get("/open311/v2/services.json", params={"api_key": keys["hotline"]})
        assert open311.status_code == 503
        assert open311.json()[0]["code"] == 503
        await asyncio.sleep(3)  # away long enough for the bus's own queries to fail too

        await proxy.open()
        await _until(lambda: _ready(http))
        after = await http.post(
            "/graphql", json={"query": REPORT, "variables": _report()}, headers=bearer(command)
        )
        fresh = after.json()["data"]["reportEvent"]["id"]
        await _until(lambda: _routed(http, command, fresh))  # the bus came back by itself
        assert await _status(http, command, accepted) not in (None, "REPORTED")
        await _until(lambda: _bus_ok(http), within=10)  # its restarted tasks have settled


async def _routed(http: httpx.AsyncClient, key: str, event_id: str) -> bool:
    return await _status(http, key, event_id) not in (None, GridEventType.REPORTED.name, "REPORTED")


async def _bus_ok(http: httpx.AsyncClient) -> bool:
    return bool((await http.get("/readyz")).json()["bus"] == "ok")


async def _ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200
