"""Three events round the whole loop, on the embedded log and on real Kafka, in the hub
as it runs beside the department simulators over real HTTP:

- people trapped in a flooded car park (CRITICAL): it starts at level 3 and tells the
  command centre and emergency management at once; the fire brigade, which has no
  system, works it at its desk; a grid worker verifies it, and it closes;
- sewage into a river: the environment bureau works it at its desk;
- a citizen's call made in the 12345 system itself: the hub reads it from the hotline's
  change feed as a HOTLINE report, routes it to city management, whose system resolves
  it; a grid worker verifies; the hotline's follow-up call rates it, and it closes.

Each is checked on its timeline, on ``grid.events`` and in the audit trail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from connectors.petition.data import Citizen, NewOrder, order_json
from connectors.petition.simulator import DEMO_PASSWORD, DEMO_USER
from hub.bus import BackendKind, Record
from hub.config import Settings
from hub.demo.departments import pointed_at
from hub.events import DispatchType, GridEventType, ledger, report_id
from hub.events.payloads import NoticeIssued, Upstream
from hub.registry import store
from hub.security.keys import KeyRequest
from hub.services import Services
from tests.conftest import GraphQLClient
from tests.schema.conftest import data
from tests.support.buses import fresh_topics, kafka_backend, kafka_settings
from tests.support.departments import Departments, wired_app
from tests.support.events import bus_settings, collect, eventually
from tests.support.loop import S, reaching, timeline
from tests.support.principals import GRID_A, bearer

pytestmark = pytest.mark.integration
T = GridEventType

REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id status level } }"""
ACCEPT = """mutation($id: ID!) { acceptOrder(id: $id) { status } }"""
PROGRESS = """mutation($id: ID!, $note: String!) { progressOrder(id: $id, note: $note) {
  status } }"""
RESOLVE = """mutation($id: ID!, $note: String!) { resolveOrder(id: $id, note: $note) {
  status } }"""
VERIFY = """mutation($id: ID!) { verifyEvent(id: $id, passed: true, note: "现场核查") {
  status } }"""
AUDIT = "{ auditLog(first: 100) { seq action principal field record } }"


@dataclass
class Hub:
    app: Starlette
    services: Services
    systems: Departments
    http: httpx.AsyncClient
    keys: dict[str, str]

    def as_(self, key: str) -> GraphQLClient:
        return GraphQLClient(_Authorised(self.http, bearer(key, purpose="tests")))  # type: ignore[arg-type]

    async def centre(self, grid: str) -> tuple[float, float]:
        async with self.services.database.session() as session:
            region = (await store.regions(session, [grid]))[grid]
        return region.centroid_lat, region.centroid_lon

    async def report(self, category: str, description: str) -> dict[str, Any]:
        lat, lon = await self.centre(GRID_A)
        report = {"category": category, "description": description, "channel": "PATROL",
                  "location": {"lat": lat, "lon": lon}}  # fmt: skip
        body = await self.as_(self.keys["grid_worker"])(REPORT, i=report)
        return data(body, "reportEvent")  # type: ignore[no-any-return]

    async def on_the_bus(self, event_id: str, until: GridEventType) -> list[str]:
        """The types of the event's steps on ``grid.events``, up to ``until``."""

        def mine(records: list[Record]) -> list[str]:
            return [
                r.header("ce_type") or "" for r in records if r.header("ce_subject") == event_id
            ]

        topic = self.services.bus.topics.grid_events
        found = await collect(self.services.bus.backend, topic, lambda rs: until in mine(rs))
        return mine(found)

    async def noticed(self, department: str, event_id: str) -> NoticeIssued:
        """The notice the department had on its dispatch topic about the event."""

        def about(records: list[Record]) -> list[NoticeIssued]:
            notices = [r for r in records if r.header("ce_type") == DispatchType.NOTICE]
            issued = [NoticeIssued.model_validate_json(r.value) for r in notices]
            return [n for n in issued if n.event_id == event_id]

        topic = self.services.bus.topics.dispatch(department)
        found = await collect(self.services.bus.backend, topic, lambda rs: bool(about(rs)))
        return about(found)[0]

    async def audited(self, event_id: str) -> list[tuple[str, str]]:
        """(field, principal) of each audit entry about the event, oldest first."""
        names = {}
        for name, key in self.keys.items():
            names[(await self.services.security.authenticator.authenticate(key)).id] = name
        body = await self.as_(self.keys["auditor"])(AUDIT)
        entries = sorted(data(body, "auditLog"), key=lambda e: int(e["seq"]))
        return [(e["field"], names.get(e["principal"], e["principal"])) for e in entries
                if e["record"] == f"GridEvent:{event_id}"]  # fmt: skip


class _Authorised:
    """``http`` with a principal's headers on every request."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.http, self.headers = http, headers

    async def post(self, url: str, json: dict[str, Any]) -> httpx.Response:
        return await self.http.post(url, json=json, headers=self.headers)


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
async def hub(
    request: pytest.FixtureRequest,
    town_settings: Settings,
    systems: Departments,
    town_document: dict[str, Any],
    keys: dict[str, str],
) -> AsyncIterator[Hub]:
    overrides: dict[str, Any] = {}
    if request.param == "kafka":
        async with kafka_backend():  # fails under CI when the broker is missing
            pass
        overrides = {"backend": BackendKind.KAFKA, "kafka": kafka_settings()}
    bus = bus_settings(fresh_topics(), **overrides)
    settings = pointed_at(town_settings, systems.urls).model_copy(update={"bus": bus})
    async with (
        wired_app(settings, town_document) as app,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as http,
    ):
        services: Services = app.state.services
        fire = KeyRequest("消防救援 值班员", ("handler",), department="fire")
        all_keys = keys | {"fire": (await services.security.keys.create(fire))[1]}
        yield Hub(app, services, systems, http, all_keys)


async def at_the_desk(hub: Hub, desk: str, event_id: str) -> None:
    """A department without a system works its order: 认领, 进展, 办结."""
    client = hub.as_(hub.keys[desk])
    assert data(await client(ACCEPT, id=event_id), "acceptOrder")["status"] == "ACCEPTED"
    progress = await client(PROGRESS, id=event_id, note="已到现场处置")
    assert data(progress, "progressOrder")["status"] == "IN_PROGRESS"
    resolved = await client(RESOLVE, id=event_id, note="处置完毕")
    assert data(resolved, "resolveOrder")["status"] == "RESOLVED"


async def verified(hub: Hub, event_id: str) -> str:
    body = await hub.as_(hub.keys["grid_worker"])(VERIFY, id=event_id)
    return str(data(body, "verifyEvent")["status"])


async def test_a_critical_event_goes_round_at_once_and_through_a_desk(hub: Hub) -> None:
    reported = await hub.report("safety.trapped", "地下车库进水，车内有人被困")
    event_id = reported["id"]
    assert reported["level"] == 3  # the level that can command the response
    routed = await reaching(hub.services, event_id, S.ROUTED)
    assert (routed.lead_department, set(routed.co_departments)) == ("fire", {"emergency", "police"})
    await eventually(lambda: co_handlers_in(hub, event_id, {"police", "emergency"}))
    await at_the_desk(hub, "fire", event_id)
    assert await verified(hub, event_id) == "CLOSED"  # a patrol's: nobody to rate

    entries = await timeline(hub.services, event_id)
    assert [(e.type.step, e.status) for e in entries if e.details.get("role") != "CO"] == [
        ("reported", S.REPORTED),
        ("routed", S.ROUTED),
        ("accepted", S.ACCEPTED),
        ("progressed", S.IN_PROGRESS),
        ("resolved", S.RESOLVED),
        ("verified", S.VERIFIED),
        ("closed", S.CLOSED),
    ]
    co_steps = {(e.type, e.details["department"]) for e in entries if e.details.get("role") == "CO"}
    assert co_steps == {(T.ACCEPTED, "police"), (T.ACCEPTED, "emergency")}  # in their systems
    kinds = await hub.on_the_bus(event_id, T.CLOSED)
    lead = [T.ACCEPTED, T.PROGRESSED, T.RESOLVED, T.VERIFIED, T.CLOSED]
    assert in_order(kinds, [T.REPORTED, T.ROUTED, *lead])  # the co-handlers' steps between
    for department in ("command", "emergency"):  # told at once, not when it runs late
        notice = await hub.noticed(department, event_id)
        assert notice.caused_by == event_id  # the report itself, as it was routed
    assert await hub.audited(event_id) == [
        ("Mutation.reportEvent", "grid_worker"),
        ("Mutation.acceptOrder", "fire"),
        ("Mutation.progressOrder", "fire"),
        ("Mutation.resolveOrder", "fire"),
        ("Mutation.verifyEvent", "grid_worker"),
    ]


async def test_a_departments_desk_closes_the_loop(hub: Hub) -> None:
    event_id = (await hub.report("environment.sewage", "河道排污口排放黑水"))["id"]
    routed = await reaching(hub.services, event_id, S.ROUTED)
    assert routed.lead_department == "environment"
    await at_the_desk(hub, "environment", event_id)
    assert await verified(hub, event_id) == "CLOSED"
    entries = await timeline(hub.services, event_id)
    assert [e.details.get("department") for e in entries if e.type is T.RESOLVED] == ["environment"]
    kinds = await hub.on_the_bus(event_id, T.CLOSED)
    lead = [T.ACCEPTED, T.PROGRESSED, T.RESOLVED, T.VERIFIED, T.CLOSED]
    assert in_order(kinds, [T.REPORTED, T.ROUTED, *lead])
    assert await hub.audited(event_id) == [
        ("Mutation.reportEvent", "grid_worker"),
        ("Mutation.acceptOrder", "environment"),
        ("Mutation.progressOrder", "environment"),
        ("Mutation.resolveOrder", "environment"),
        ("Mutation.verifyEvent", "grid_worker"),
    ]


async def test_a_call_to_12345_goes_round_and_the_callers_rating_closes_it(hub: Hub) -> None:
    hotline = hub.systems.apps["petition"].state.system
    lat, lon = await hub.centre(GRID_A)
    call = NewOrder(
        appeal_type="求助",
        category="SZ02",  # 路灯不亮: the hub's municipal.streetlight
        title="路灯不亮",
        content="来电人反映小区门口路灯连续三晚不亮",
        community=hotline.data.town.communities[GRID_A[:12]],
        address="云溪街道青山路18号",
        point=(lon, lat),
        citizen=Citizen("李建国", "13900002222", None),
        channel="WECHAT",
    )
    order = hotline.data.register(call, None, hotline.clock)
    accepted_at = datetime.fromisoformat(order_json(order)["acceptedAt"])
    event_id = report_id(Upstream(system="petition", id=order.id), accepted_at)

    await eventually(lambda: in_the_ledger(hub, event_id))  # the hub read the hotline's feed
    routed = await reaching(hub.services, event_id, S.ACCEPTED)
    assert (routed.channel.value, routed.lead_department) == ("HOTLINE", "citymgmt")
    assert routed.origin["upstream"] == {"system": "petition", "id": order.id}
    case_id = await _order_of(hub, event_id, "citymgmt")
    advanced = await hub.systems.admin["citymgmt"].post(
        f"/_admin/advance/{case_id}", json={"status": "核查", "note": "路灯已修复"}
    )
    assert advanced.status_code == 200, advanced.text
    await reaching(hub.services, event_id, S.RESOLVED)
    assert await verified(hub, event_id) == "VERIFIED"  # the caller is still to be asked
    await _the_hotline_calls_back(hub, order.id)
    closed = await reaching(hub.services, event_id, S.CLOSED)
    assert closed.channel.value == "HOTLINE"

    entries = await timeline(hub.services, event_id)
    rated = [e for e in entries if e.type is T.RATED]
    assert [(e.source, e.details["score"]) for e in rated] == [("/connectors/petition", 4)]
    assert (entries[-1].type, entries[-1].source) == (T.CLOSED, "/connectors/petition")
    kinds = await hub.on_the_bus(event_id, T.CLOSED)
    steps = [T.REPORTED, T.ROUTED, T.ACCEPTED, T.RESOLVED, T.VERIFIED, T.RATED, T.CLOSED]
    assert in_order(kinds, steps)
    # The other steps are the systems', read from their feeds: no person in the hub took them.
    assert await hub.audited(event_id) == [("Mutation.verifyEvent", "grid_worker")]


async def _the_hotline_calls_back(hub: Hub, order_id: str) -> None:
    """12345 replies, closes its order, calls the citizen back, who is satisfied."""
    admin = hub.systems.admin["petition"]
    assert (await admin.post(f"/_admin/advance/{order_id}", json={"status": "办结"})).is_success
    async with httpx.AsyncClient(
        base_url=hub.systems.urls["petition"], auth=(DEMO_USER, DEMO_PASSWORD)
    ) as hotline:
        rated = await hotline.post(
            f"/api/v1/workorders/{order_id}/evaluations", json={"satisfaction": "满意"}
        )
    assert rated.status_code == 200, rated.text


async def _order_of(hub: Hub, event_id: str, department: str) -> str:
    async with hub.services.database.engine.connect() as connection:
        orders = (await ledger.orders(connection, [event_id]))[event_id]
    return next(o.upstream_id for o in orders if o.department == department)


async def in_the_ledger(hub: Hub, event_id: str) -> bool:
    async with hub.services.database.engine.connect() as connection:
        return bool(await ledger.events(connection, [event_id]))


async def co_handlers_in(hub: Hub, event_id: str, departments: set[str]) -> bool:
    """Whether these co-handlers' systems have taken their orders."""
    entries = await timeline(hub.services, event_id)
    return departments <= {e.details.get("department") for e in entries if e.type is T.ACCEPTED}


def in_order(seen: list[str], expected: list[GridEventType]) -> bool:
    """Whether ``expected`` happened in this order (other steps may come between)."""
    rest = iter(seen)
    return all(kind in rest for kind in expected)
