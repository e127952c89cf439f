"""A simulator assembled by the toolkit: stats, faults, limits and admin, on a toy system."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.sdk.simulation import (
    DEFAULT_ADMIN_TOKEN,
    ApiKeyAuth,
    SimulatorSettings,
    simulator_app,
)
from tests.connectors.sdk.simulation.toy import Toy, ToyErrors

KEY = {"X-API-Key": "toy-key"}
ADMIN = {"X-Admin-Token": DEFAULT_ADMIN_TOKEN}


@pytest.fixture
def toy() -> Toy:
    return Toy()


@pytest.fixture
async def http(toy: Toy) -> AsyncIterator[httpx.AsyncClient]:
    app = simulator_app(
        toy, auth=ApiKeyAuth({"toy-key": "tester"}), style=ToyErrors(), settings=SimulatorSettings()
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://toy", headers=KEY) as client:
        yield client


async def faults(http: httpx.AsyncClient, **knobs: object) -> None:
    response = await http.post("/_admin/faults", json=knobs, headers=ADMIN)
    assert response.status_code == 200, response.text


async def test_requests_are_counted_by_route_and_admin_ones_are_not(
    http: httpx.AsyncClient,
) -> None:
    await http.get("/items")
    await http.get("/items/T-1")
    await http.get("/items/T-9")
    await http.get("/nowhere")
    stats = (await http.get("/_admin/stats", headers=ADMIN)).json()
    assert stats == {
        "total": 4,
        "routes": {"GET (unmatched)": 1, "GET /items": 1, "GET /items/{id}": 2},
    }
    assert (await http.post("/_admin/stats/reset", headers=ADMIN)).status_code == 204
    assert (await http.get("/_admin/stats", headers=ADMIN)).json() == {"total": 0, "routes": {}}


async def test_the_admin_api_needs_its_token(http: httpx.AsyncClient) -> None:
    for method, path in (("GET", "stats"), ("POST", "faults"), ("POST", "advance/T-1")):
        response = await http.request(method, f"/_admin/{path}", headers={"X-Admin-Token": "no"})
        assert response.status_code == 401
        assert response.json() == {"error": "missing or wrong X-Admin-Token"}


async def test_faults_are_set_read_and_cleared(http: httpx.AsyncClient) -> None:
    await faults(http, latency_ms=5, paths=["/items"])
    current = (await http.get("/_admin/faults", headers=ADMIN)).json()
    assert (current["latency_ms"], current["paths"], current["hang"]) == (5, ["/items"], False)
    assert (await http.delete("/_admin/faults", headers=ADMIN)).status_code == 204
    assert (await http.get("/_admin/faults", headers=ADMIN)).json()["latency_ms"] == 0


@pytest.mark.parametrize(
    "knobs", [{"error_rate": 2}, {"latency_ms": -1}, {"colour": "red"}, {"paths": ["items"]}]
)
async def test_bad_faults_are_refused(http: httpx.AsyncClient, knobs: dict[str, object]) -> None:
    response = await http.post("/_admin/faults", json=knobs, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["error"].startswith("bad faults")


async def test_an_error_rate_of_one_fails_every_request_in_the_systems_style(
    http: httpx.AsyncClient,
) -> None:
    await faults(http, error_rate=1, error_status=500)
    response = await http.get("/items")
    assert response.status_code == 500
    assert response.json() == {"status": 500, "error": "simulated failure"}


async def test_faults_can_hit_some_paths_only(http: httpx.AsyncClient) -> None:
    await faults(http, error_rate=1, paths=["/items"])
    assert (await http.get("/items")).status_code == 503
    assert (await http.post("/echo", content=b"hello")).content == b"hello"


async def test_latency_delays_every_answer(http: httpx.AsyncClient) -> None:
    await faults(http, latency_ms=150)
    started = time.perf_counter()
    assert (await http.get("/items")).status_code == 200
    assert time.perf_counter() - started >= 0.15


async def test_a_hung_request_answers_only_when_the_fault_is_cleared(
    http: httpx.AsyncClient,
) -> None:
    await faults(http, hang=True)
    pending = asyncio.create_task(http.get("/items"))
    await asyncio.sleep(0.2)
    assert not pending.done()
    await http.delete("/_admin/faults", headers=ADMIN)
    response = await asyncio.wait_for(pending, 5)
    assert response.status_code == 503
    assert (await http.get("/items")).status_code == 200


async def test_malformed_answers_are_not_json(http: httpx.AsyncClient) -> None:
    await faults(http, malformed=True)
    response = await http.get("/items")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(response.content))
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert (await http.get("/items/T-9")).json()["error"] == "no such item"  # errors stay


async def test_contract_breaks_are_json_with_numbers_for_ids(http: httpx.AsyncClient) -> None:
    await faults(http, contract_break=True)
    response = await http.get("/items/T-1")
    assert response.json() == {"id": 1, "status": "open"}


async def test_a_rate_limit_fault_answers_429_with_retry_after(http: httpx.AsyncClient) -> None:
    await faults(http, rate_limit={"per_second": 0.5, "burst": 2})
    statuses = [(await http.get("/items")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = await http.get("/items")
    assert limited.headers["Retry-After"] == "2"
    assert limited.json() == {"status": 429, "error": "too many requests"}
    await http.delete("/_admin/faults", headers=ADMIN)
    assert (await http.get("/items")).status_code == 200


async def test_credentials_are_checked_after_the_rate_limit(http: httpx.AsyncClient) -> None:
    missing = await http.get("/items", headers={"X-API-Key": ""})
    assert missing.status_code == 401
    assert missing.json()["error"] == "missing X-API-Key header"
    wrong = await http.get("/items", headers={"X-API-Key": "guess"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "unknown API key")


async def test_advance_moves_a_record_and_names_the_steps(
    http: httpx.AsyncClient, toy: Toy
) -> None:
    one = await http.post("/_admin/advance/T-1", headers=ADMIN)
    assert one.json() == {"id": "T-1", "steps": ["doing"], "status": "doing"}
    assert toy.items["T-1"] == "doing"
    final = await http.post("/_admin/advance/T-2", headers=ADMIN)
    assert (final.status_code, final.json()) == (409, {"error": "done is final"})
    unknown = await http.post("/_admin/advance/T-9", headers=ADMIN, json={"status": "done"})
    assert unknown.status_code == 404
    bad = await http.post("/_admin/advance/T-1", headers=ADMIN, json={"status": 3})
    assert bad.status_code == 400


async def test_the_pace_moves_the_world_in_the_background(toy: Toy) -> None:
    settings = SimulatorSettings(progress_seconds=0.02)
    app = simulator_app(toy, auth=ApiKeyAuth({"k": "c"}), style=ToyErrors(), settings=settings)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.3)
    assert toy.progressed >= 3
    settled = toy.progressed
    await asyncio.sleep(0.1)
    assert toy.progressed == settled  # stopped with the app
