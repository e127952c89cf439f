"""Simulators as real HTTP servers on loopback, as ``hub demo`` and the benches run them."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import httpx
import pytest

from connectors.sdk.simulation import serve
from hub.demo.simulators import demo_apps, demo_auth, demo_systems
from tests.support.simulators import ADMIN, SYSTEMS, contract

pytestmark = pytest.mark.integration

PROBES = {
    "police": ("GET", "/api/v1/incidents"),
    "citymgmt": ("GET", "/api/v2/cases"),
    "petition": ("GET", "/api/v1/workorders"),
    "health": ("GET", "/fhir/Task"),
}


async def test_the_four_simulators_answer_over_http_with_the_demo_credentials(
    town_document: dict[str, Any],
) -> None:
    built_in = {name: system for name, system in demo_systems().items() if name in SYSTEMS}
    async with serve(demo_apps(town=town_document, systems=built_in)) as urls:
        assert set(urls) == set(SYSTEMS)
        assert len({url.rsplit(":", 1)[1] for url in urls.values()}) == 4
        for system, url in urls.items():
            method, path = PROBES[system]
            async with httpx.AsyncClient(base_url=url, auth=demo_auth(system, url)) as http:
                response = await http.request(method, path)
                assert response.status_code == 200, response.text
                problems = contract(system).response_problems(method, path, 200, response.json())
                assert problems == []
                stats = (await http.get("/_admin/stats", headers=ADMIN)).json()
                assert stats["routes"][f"{method} {path}"] == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_fixed_port_is_kept_and_a_hung_request_does_not_hold_the_shutdown(
    town_document: dict[str, Any],
) -> None:
    port = free_port()
    app = demo_apps(town=town_document)["police"]
    async with serve({"police": app}, ports={"police": port}) as urls:
        url = urls["police"]
        assert url == f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, auth=demo_auth("police", url)) as http:
            await http.post("/_admin/faults", json={"hang": True}, headers=ADMIN)
            hung = asyncio.create_task(http.get("/api/v1/categories", timeout=10))
            await asyncio.sleep(0.2)
            assert not hung.done()
            started = time.perf_counter()
    assert time.perf_counter() - started < 5
    with pytest.raises(httpx.HTTPError):
        await hung
