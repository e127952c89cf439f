"""The hub as one subgraph of a supergraph: Hive Gateway (scripts/gateway) in front of
the hub and a 12345 hotline platform's own subgraph (tests/support/hotline.py).

Queries go to the gateway over HTTP, as a client's would; the hub and the hotline
record what reaches them. Whatever the gateway plans, the hub must answer as the
ORIGINAL caller: their scopes, their grids, their masking, their audit trail. The
gateway, the hub and the hotline start once for the module.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from connectors.sdk.graph import PersonalDataKind
from hub.config import Settings
from hub.demo.departments import pointed_at
from hub.events import Channel, Report
from hub.registry import store
from hub.security.keys import KeyRequest
from schema import print_sdl
from schema.security import mask
from tests.conftest import sqlite_url
from tests.support.departments import Departments, simulated_departments, wired_app
from tests.support.gateway import Subgraph, require_gateway, running_gateway
from tests.support.hotline import GRID_A_NEIGHBOUR, HOTSPOTS, TICKETS, hotline_app
from tests.support.hotline import sdl as hotline_sdl
from tests.support.live import live_server
from tests.support.principals import GRID_A, GRID_B, bearer
from tests.support.request_log import RequestLog

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

PURPOSE = "12345 follow-up"
CALLER_PHONE = "13900001111"  # the police record seeded in GRID_A (tests/support/departments.py)
UNMASKED_PHONE = re.compile(r"^1\d{10}$")


@dataclass
class Supergraph:
    gateway: httpx.AsyncClient
    hub: RequestLog
    hotline: RequestLog
    hub_address: str
    app: Starlette
    scoped_key: str  # a grid worker of GRID_A and its neighbour who also reads records

    def clear(self) -> None:
        self.hub.clear()
        self.hotline.clear()

    async def ask(
        self, query: str, key: str | None, purpose: str | None = PURPOSE, **variables: Any
    ) -> dict[str, Any]:
        headers = bearer(key, purpose) if key else ({"X-Purpose": purpose} if purpose else {})
        response = await self.gateway.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def supergraph(
    tmp_path_factory: pytest.TempPathFactory,
    town_database_file: Any,
    town_document: dict[str, Any],
) -> AsyncIterator[Supergraph]:
    require_gateway()  # before the rest is built
    folder = tmp_path_factory.mktemp("supergraph")
    shutil.copy(town_database_file, folder / "hub.db")
    settings = Settings(database_url=sqlite_url(folder / "hub.db"))
    async with AsyncExitStack() as stack:
        systems = await stack.enter_async_context(simulated_departments(town_document))
        app = await stack.enter_async_context(
            wired_app(pointed_at(settings, systems.urls), town_document)
        )
        await seed_personal_records(app, systems)
        hub, hotline = RequestLog(app), RequestLog(hotline_app())
        hub_address = await stack.enter_async_context(live_server(hub, lifespan="off"))
        hotline_address = await stack.enter_async_context(live_server(hotline, lifespan="off"))
        base = await stack.enter_async_context(
            running_gateway(
                folder,
                [
                    Subgraph(
                        "hub",
                        f"http://{hub_address}/graphql",
                        print_sdl(),
                        ("Authorization", "X-Purpose"),
                    ),
                    # A department's subgraph gets the purpose, never a key meant for the hub.
                    Subgraph(
                        "hotline",
                        f"http://{hotline_address}/graphql",
                        hotline_sdl(),
                        ("X-Purpose",),
                    ),
                ],
            )
        )
        gateway = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=30))
        scoped = KeyRequest(
            "worker of two grids, reading department records",
            ("grid_worker", "dashboard"),
            grids=(GRID_A, GRID_A_NEIGHBOUR),
        )
        _, key = await app.state.services.security.keys.create(scoped)
        yield Supergraph(gateway, hub, hotline, hub_address, app, key)


async def seed_personal_records(app: Starlette, systems: Departments) -> None:
    async with app.state.services.database.session() as session:
        grid = (await store.regions(session, (GRID_A,)))[GRID_A]
    systems.seed_personal_records(GRID_A, grid.centroid_lat, grid.centroid_lon)


async def audited(supergraph: Supergraph, auditor: str, key: str) -> list[dict[str, Any]]:
    """The pii.read entries the hub wrote for the holder of ``key``, read at the hub."""
    services = supergraph.app.state.services
    principal = await services.security.authenticator.authenticate(key)
    query = """query($f: AuditLogFilter) { auditLog(filter: $f, first: 100) {
      principal operation field record purpose } }"""
    async with httpx.AsyncClient(base_url=f"http://{supergraph.hub_address}") as hub:
        response = await hub.post(
            "/graphql",
            json={"query": query, "variables": {"f": {"principal": principal.id}}},
            headers=bearer(auditor),
        )
    body = response.json()
    assert "errors" not in body, body["errors"]
    entries: list[dict[str, Any]] = body["data"]["auditLog"]
    return entries


def tickets_in(grid: str) -> list[str]:
    return [t.id for t in TICKETS if t.grid_code == grid]


def caller_phones(grid: dict[str, Any]) -> list[str]:
    return [edge["node"]["callerPhone"] for edge in grid["incidents"]["edges"]]


HUB_FIRST = """query HubFirst($code: String!) { grid(code: $code) {
  code leader { name phone }
  incidents(first: 50) { edges { node { callerPhone } } }
  hotlineTickets { id } } }"""


async def test_a_query_starting_at_the_hub_takes_the_hotlines_field(
    supergraph: Supergraph, keys: dict[str, str]
) -> None:
    supergraph.clear()
    body = await supergraph.ask(HUB_FIRST, supergraph.scoped_key, code=GRID_A)
    assert "errors" not in body, body["errors"]
    grid = body["data"]["grid"]
    assert [t["id"] for t in grid["hotlineTickets"]] == tickets_in(GRID_A)
    # The caller holds pii:read:registry, not pii:read:police: the registry's people
    # are shown as stored, the department's callers masked.
    assert UNMASKED_PHONE.match(grid["leader"]["phone"])
    phones = caller_phones(grid)
    assert mask(PersonalDataKind.PHONE, CALLER_PHONE) in phones
    assert all("*" in phone for phone in phones if phone)

    (at_hub,) = supergraph.hub.received
    assert at_hub.headers["authorization"] == f"Bearer {supergraph.scoped_key}"
    assert at_hub.headers["x-purpose"] == PURPOSE
    (at_hotline,) = supergraph.hotline.received
    assert at_hotline.representations == [{"__typename": "Grid", "code": GRID_A}]
    assert "authorization" not in at_hotline.headers
    assert at_hotline.headers["x-purpose"] == PURPOSE

    reads = await audited(supergraph, keys["auditor"], supergraph.scoped_key)
    assert {
        "principal": reads[0]["principal"],
        "operation": "HubFirst",
        "field": "GridWorker.phone",
        "record": f"GridWorker@{GRID_A}",
        "purpose": PURPOSE,
    } in reads


async def test_a_grid_outside_the_callers_is_null_and_the_hotline_is_not_asked(
    supergraph: Supergraph,
) -> None:
    supergraph.clear()
    body = await supergraph.ask(HUB_FIRST, supergraph.scoped_key, code=GRID_B)
    assert body == {"data": {"grid": None}}
    assert len(supergraph.hub.received) == 1
    assert supergraph.hotline.received == []


HOTLINE_FIRST = """query HotlineFirst { hotlineHotspots {
  code leader { name phone }
  incidents(first: 50) { edges { node { callerPhone } } } } }"""


async def test_a_query_starting_at_the_hotline_takes_the_hubs_entities(
    supergraph: Supergraph, keys: dict[str, str]
) -> None:
    supergraph.clear()
    body = await supergraph.ask(HOTLINE_FIRST, supergraph.scoped_key)
    hotspots = body["data"]["hotlineHotspots"]
    assert HOTSPOTS == (GRID_A, GRID_B, GRID_A_NEIGHBOUR)
    assert "errors" not in body, body["errors"]
    shown, hidden, neighbour = hotspots
    # GRID_B is not the caller's: the hub resolves it to nothing, so only the code the
    # hotline itself holds is left.
    assert hidden == {"code": GRID_B, "leader": None, "incidents": None}
    assert (shown["code"], neighbour["code"]) == (GRID_A, GRID_A_NEIGHBOUR)
    assert UNMASKED_PHONE.match(shown["leader"]["phone"])
    assert mask(PersonalDataKind.PHONE, CALLER_PHONE) in caller_phones(shown)

    (at_hub,) = supergraph.hub.received  # one _entities call for all three grids
    assert [r["code"] for r in at_hub.representations] == list(HOTSPOTS)
    assert at_hub.headers["authorization"] == f"Bearer {supergraph.scoped_key}"

    reads = await audited(supergraph, keys["auditor"], supergraph.scoped_key)
    mine = [e for e in reads if e["operation"] == "HotlineFirst"]
    phones_read = {r for e in mine if e["field"] == "GridWorker.phone" for r in e["record"].split()}
    assert phones_read == {f"GridWorker@{GRID_A}", f"GridWorker@{GRID_A_NEIGHBOUR}"}
    assert all(e["purpose"] == PURPOSE for e in mine)


async def test_one_entities_call_per_level_whatever_the_number_of_grids(
    supergraph: Supergraph,
) -> None:
    """hotline → hub → hotline → hub: four levels, two calls to each subgraph."""
    supergraph.clear()
    query = """query Levels { hotlineHotspots { name
      community { grids { code hotlineTickets { id grid { leader { name } } } } } } }"""
    body = await supergraph.ask(query, supergraph.scoped_key)
    communities = [h["community"] for h in body["data"]["hotlineHotspots"] if h]
    grids = {g["code"]: g for c in communities for g in c["grids"]}
    assert set(grids) == {GRID_A, GRID_A_NEIGHBOUR}  # a sibling grid of theirs: hidden
    assert [t["id"] for t in grids[GRID_A]["hotlineTickets"]] == tickets_in(GRID_A)
    assert grids[GRID_A]["hotlineTickets"][0]["grid"]["leader"]["name"]

    hub_calls, hotline_calls = supergraph.hub.received, supergraph.hotline.received
    assert len(hub_calls) == 2
    assert all("_entities" in call.query for call in hub_calls)
    assert len(hotline_calls) == 2
    assert "_entities" not in hotline_calls[0].query
    assert {r["code"] for r in hotline_calls[1].representations} == {GRID_A, GRID_A_NEIGHBOUR}
    assert len({r["code"] for r in hub_calls[1].representations}) == 2


def codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", [])}


async def test_the_hubs_refusals_reach_the_caller_through_the_gateway(
    supergraph: Supergraph, keys: dict[str, str]
) -> None:
    worker = keys["grid_worker"]  # no dept:read scope
    refused = await supergraph.ask(
        "query { hotlineHotspots { code incidents { totalCount } } }", worker
    )
    assert codes(refused) == {"FORBIDDEN"}
    assert [h["code"] for h in refused["data"]["hotlineHotspots"]] == list(HOTSPOTS)
    assert all(h["incidents"] is None for h in refused["data"]["hotlineHotspots"])

    no_purpose = await supergraph.ask(HUB_FIRST, supergraph.scoped_key, purpose=None, code=GRID_A)
    assert codes(no_purpose) == {"PURPOSE_REQUIRED"}
    assert no_purpose["data"] == {"grid": None}

    anonymous = await supergraph.ask("query { hotlineHotspots { code leader { name } } }", None)
    assert codes(anonymous) == {"UNAUTHENTICATED"}
    # The hotline's own part still arrives; nothing of the hub's does.
    assert anonymous["data"]["hotlineHotspots"] == [
        {"code": code, "leader": None} for code in HOTSPOTS
    ]


SUBSCRIBE = """subscription Watch { gridEvents { eventId gridCode step
  event { grid { code hotlineTickets { id } } } } }"""
REPORT = """mutation Report($input: ReportEventInput!) { reportEvent(input: $input) { id } }"""


async def test_a_subscription_through_the_gateway_reaches_its_subscriber(
    supergraph: Supergraph,
) -> None:
    supergraph.clear()
    updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    listening = asyncio.create_task(subscribe(supergraph, updates))
    try:
        await until_subscribed_at_hub(supergraph)
        # First an event in a grid that is not the subscriber's, then one in theirs.
        other = await report_in(supergraph, GRID_B)
        report = await supergraph.ask(
            REPORT, supergraph.scoped_key, input=report_input(await centroid(supergraph, GRID_A))
        )
        event_id = report["data"]["reportEvent"]["id"]
        seen = await asyncio.wait_for(until_event(updates, event_id), timeout=30)
    finally:
        listening.cancel()
    # The departments' feeds may bring events of the subscriber's grid meanwhile.
    assert {update["gridCode"] for update in seen} == {GRID_A}
    assert other not in {update["eventId"] for update in seen}
    update = seen[-1]
    assert [t["id"] for t in update["event"]["grid"]["hotlineTickets"]] == tickets_in(GRID_A)


async def until_event(updates: asyncio.Queue[dict[str, Any]], event_id: str) -> list[Any]:
    """Every update received up to the first of ``event_id``, that one last."""
    seen = [await updates.get()]
    while seen[-1]["eventId"] != event_id:
        seen.append(await updates.get())
    return seen


async def subscribe(supergraph: Supergraph, updates: asyncio.Queue[dict[str, Any]]) -> None:
    """A graphql-sse client of the gateway, putting each update's data on ``updates``."""
    headers = {**bearer(supergraph.scoped_key, PURPOSE), "Accept": "text/event-stream"}
    async with supergraph.gateway.stream(
        "POST", "/graphql", json={"query": SUBSCRIBE}, headers=headers, timeout=None
    ) as response:
        async for line in response.aiter_lines():
            if line.startswith("data:") and line[5:].strip():
                payload = json.loads(line[5:])
                assert "errors" not in payload, payload
                await updates.put(payload["data"]["gridEvents"])


async def until_subscribed_at_hub(supergraph: Supergraph) -> None:
    """The gateway holds its own subscription to the hub: wait until it has opened it."""
    async with asyncio.timeout(30):
        at_hub = await supergraph.hub.until(
            lambda r: "gridEvents" in r.query and r.headers.get("accept") == "text/event-stream"
        )
    assert at_hub.headers["authorization"] == f"Bearer {supergraph.scoped_key}"


async def centroid(supergraph: Supergraph, grid: str) -> tuple[float, float]:
    async with supergraph.app.state.services.database.session() as session:
        region = (await store.regions(session, (grid,)))[grid]
    return region.centroid_lat, region.centroid_lon


async def report_in(supergraph: Supergraph, grid: str) -> str:
    lat, lon = await centroid(supergraph, grid)
    report = Report(
        category="city.litter", description="路面垃圾", lat=lat, lon=lon, channel=Channel.PATROL
    )
    return str((await supergraph.app.state.services.bus.intake.report(report)).id)


def report_input(point: tuple[float, float]) -> dict[str, Any]:
    lat, lon = point
    return {
        "category": "city.litter",
        "description": "楼道堆物",
        "location": {"lat": lat, "lon": lon},
        "channel": "PATROL",
    }


async def test_the_gateway_bounds_the_depth_of_the_whole_document(
    supergraph: Supergraph,
) -> None:
    """Each subgraph sees only its part of a document; the gateway sees it whole."""
    supergraph.clear()
    nested = "code"
    for _ in range(10):
        nested = f"parent {{ {nested} }}"
    at_limit = f"query {{ hotlineHotspots {{ community {{ {nested} }} }} }}"  # the hub's 12
    within = await supergraph.ask(at_limit, supergraph.scoped_key)
    assert "DEPTH_LIMIT_EXCEEDED" not in codes(within)
    assert within["data"]["hotlineHotspots"][0]["community"]["parent"]
    supergraph.clear()
    over = at_limit.replace("code", "parent { code }")
    body = await supergraph.ask(over, supergraph.scoped_key)
    assert codes(body) == {"DEPTH_LIMIT_EXCEEDED"}
    assert supergraph.hub.received == []
    assert supergraph.hotline.received == []
