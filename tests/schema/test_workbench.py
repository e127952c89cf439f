"""The department workbench over HTTP: a department without a system accepts, works,
returns and resolves its orders through the graph, only its own, and never for a
department that has a system."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from hub.bus import CloudEvent
from hub.events import DispatchType, GridEventRecord, GridEventType, OrderRole
from hub.events.payloads import Supervised, WorkOrderRequested
from hub.services import Services
from tests.schema.conftest import As, data, error
from tests.schema.test_loop_mutations import VERIFY
from tests.support.events import collect
from tests.support.loop import S, current, reaching, report_in, timeline
from tests.support.principals import GRID_A

FIELDS = "id status leadDepartment { code } timeline { step status source by note }"
ACCEPT = f"""mutation($id: ID!, $department: String) {{
  acceptOrder(id: $id, department: $department) {{ {FIELDS} }} }}"""
PROGRESS = (
    f"""mutation($id: ID!) {{ progressOrder(id: $id, note: "已到现场取样") {{ {FIELDS} }} }}"""
)
RESOLVE = f"""mutation($id: ID!, $photos: [String!]) {{
  resolveOrder(id: $id, note: "排污口已封堵", photos: $photos) {{ {FIELDS} }} }}"""
RETURN = (
    f"""mutation($id: ID!) {{ returnOrder(id: $id, reason: "不属本部门职责") {{ {FIELDS} }} }}"""
)
PHOTOS = ["https://photos.example/sealed.jpg"]


async def test_a_department_without_a_system_works_its_order_at_its_desk(
    services: Services, as_: As
) -> None:
    sewage = await report_in(services, GRID_A, category="environment.sewage")
    assert sewage.lead_department == "environment"
    desk = as_("environment")
    assert data(await desk(ACCEPT, id=sewage.id), "acceptOrder")["status"] == "ACCEPTED"
    assert data(await desk(PROGRESS, id=sewage.id), "progressOrder")["status"] == "IN_PROGRESS"
    event = data(await desk(RESOLVE, id=sewage.id, photos=PHOTOS), "resolveOrder")
    assert event["status"] == "RESOLVED"
    steps = [(s["step"], s["status"], s["source"], s["by"]) for s in event["timeline"][-3:]]
    assert steps == [
        ("ACCEPTED", "ACCEPTED", "/hub/graph", "生态环境 办理人"),
        ("PROGRESSED", "IN_PROGRESS", "/hub/graph", "生态环境 办理人"),
        ("RESOLVED", "RESOLVED", "/hub/graph", "生态环境 办理人"),
    ]
    entries = await timeline(services, sewage.id)
    assert entries[-1].details["photos"] == PHOTOS
    assert entries[-1].details["department"] == "environment"
    checked = data(await as_("grid_worker")(VERIFY, id=sewage.id, passed=True), "verifyEvent")
    assert checked["status"] == "CLOSED"  # the loop closes: a patrol's report, nobody to rate


async def test_whoever_resolved_at_a_desk_cannot_verify(services: Services, as_: As) -> None:
    litter = await report_in(services, GRID_A, category="city.litter")  # in the grid: command's
    assert litter.lead_department == "command"
    data(await as_("command")(RESOLVE, id=litter.id), "resolveOrder")
    refused = await as_("command")(VERIFY, id=litter.id, passed=True)
    assert error(refused)["code"] == "SEPARATION_OF_DUTIES"
    assert (await current(services, litter.id)).status is S.RESOLVED


async def test_a_co_handlers_steps_leave_the_status_where_it_is(
    services: Services, as_: As
) -> None:
    spill = await report_in(services, GRID_A, category="city.muck_spill")
    assert (spill.lead_department, spill.co_departments) == ("citymgmt", ("environment",))
    event = data(await as_("environment")(ACCEPT, id=spill.id), "acceptOrder")
    assert event["status"] == "ROUTED"
    data(await as_("environment")(RESOLVE, id=spill.id), "resolveOrder")
    entries = await timeline(services, spill.id)
    assert [(e.type.step, e.details["role"]) for e in entries[-2:]] == [
        ("accepted", OrderRole.CO.value),
        ("progressed", OrderRole.CO.value),
    ]
    assert (await current(services, spill.id)).status is S.ROUTED


async def test_a_returned_order_goes_back_to_the_router(services: Services, as_: As) -> None:
    sewage = await report_in(services, GRID_A, category="environment.sewage")
    data(await as_("environment")(ACCEPT, id=sewage.id), "acceptOrder")
    event = data(await as_("environment")(RETURN, id=sewage.id), "returnOrder")
    assert (event["status"], event["timeline"][-1]["note"]) == ("RETURNED", "不属本部门职责")
    rerouted = await reaching(services, sewage.id, S.ROUTED, version=event_version(event) + 1)
    assert rerouted.lead_department != "environment"


def event_version(event: dict[str, Any]) -> int:
    return len(event["timeline"])


@pytest.mark.parametrize(
    ("who", "department", "code"),
    [
        ("environment", None, "FORBIDDEN"),  # not its order: citymgmt leads, nobody co-handles
        ("grid_worker", None, "FORBIDDEN"),  # handles no department's orders
        ("command", "environment", "FORBIDDEN"),  # may not act for another department
        ("command", None, "FORBIDDEN"),  # command handles its own, not citymgmt's
    ],
)
async def test_only_the_events_departments_act_and_a_refusal_changes_nothing(
    services: Services, as_: As, who: str, department: str | None, code: str
) -> None:
    manhole = await report_in(services, GRID_A)
    assert manhole.lead_department == "citymgmt"
    body = await as_(who)(ACCEPT, id=manhole.id, department=department)
    assert error(body)["code"] == code
    assert (await current(services, manhole.id)).version == manhole.version


async def test_a_department_with_a_system_works_there_not_at_a_desk(
    services: Services, as_: As, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if its system were linked: the workbench's view only, so nothing dispatches to it.
    linked = SimpleNamespace(sinks={"environment": "its own system"})
    monkeypatch.setattr(services.bus.workbench, "links", linked)
    sewage = await report_in(services, GRID_A, category="environment.sewage")
    body = await as_("environment")(ACCEPT, id=sewage.id)
    assert (error(body)["code"], error(body)["department"]) == (
        "DEPARTMENT_HAS_SYSTEM",
        "environment",
    )
    assert (await current(services, sewage.id)).status is S.ROUTED


ANSWER = f"""mutation($id: ID!) {{
  answerSupervision(id: $id, answer: "已约谈责任科室，明日办结") {{ {FIELDS} }} }}"""


async def supervised(services: Services, record: GridEventRecord) -> None:
    """The timers' 督办 step, as they write it past level 4."""
    data = Supervised(
        event_id=record.id,
        status=record.status,
        category=record.category,
        severity=record.severity,
        departments=list(record.departments),
        department=record.lead_department or "command",
        round=1,
        deadline=record.deadline or datetime.now(UTC),
        note="第1次督办",
    )
    step = CloudEvent.of(GridEventType.SUPERVISED, "/hub/timers", record.grid_code, data)
    await services.bus.projection.apply([step])


async def test_the_lead_answers_a_supervision_and_the_status_stays(
    services: Services, as_: As
) -> None:
    sewage = await report_in(services, GRID_A, category="environment.sewage")
    early = await as_("environment")(ANSWER, id=sewage.id)
    assert error(early)["code"] == "BAD_USER_INPUT"  # nothing to answer yet
    await supervised(services, sewage)
    event = data(await as_("environment")(ANSWER, id=sewage.id), "answerSupervision")
    assert event["status"] == "ROUTED"
    assert event["timeline"][-1]["note"] == "督办回复: 已约谈责任科室，明日办结"
    assert event["timeline"][-2]["step"] == "SUPERVISED"


ASK = """mutation($id: ID!, $co: String!) {
  requestCoHandler(id: $id, coHandler: $co, reason: "需核查排水管网") {
    status coHandlers { code } timeline { step status note } } }"""


async def test_the_lead_asks_another_department_to_help(services: Services, as_: As) -> None:
    sewage = await report_in(services, GRID_A, category="environment.sewage")
    data(await as_("environment")(ACCEPT, id=sewage.id), "acceptOrder")
    event = data(await as_("environment")(ASK, id=sewage.id, co="water"), "requestCoHandler")
    assert (event["status"], event["coHandlers"]) == ("ACCEPTED", [{"code": "water"}])
    assert event["timeline"][-1] == {
        "step": "ROUTED",
        "status": "ACCEPTED",  # the status and deadline stay
        "note": "协办请求 water: 需核查排水管网",
    }
    assert (await current(services, sewage.id)).deadline == sewage.deadline
    topic = services.bus.topics.dispatch("water")  # its desk's queue, or its system's
    found = await collect(services.bus.backend, topic, bool)
    (order,) = [CloudEvent.from_record(r).payload(WorkOrderRequested) for r in found]
    assert found[0].header("ce_type") == DispatchType.WORK_ORDER
    assert (order.department, order.role, order.lead) == ("water", OrderRole.CO, "environment")
    assert order.co_handlers == ["water"]


@pytest.mark.parametrize(
    ("co", "code"),
    [("water", "BAD_USER_INPUT"), ("environment", "BAD_USER_INPUT"), ("mars", "BAD_USER_INPUT")],
)
async def test_a_request_for_help_names_a_department_not_yet_at_work(
    services: Services, as_: As, co: str, code: str
) -> None:
    sewage = await report_in(services, GRID_A, category="environment.sewage")
    data(await as_("environment")(ASK, id=sewage.id, co="water"), "requestCoHandler")
    assert error(await as_("environment")(ASK, id=sewage.id, co=co))["code"] == code


async def test_only_the_lead_asks_for_help(services: Services, as_: As) -> None:
    spill = await report_in(services, GRID_A, category="city.muck_spill")  # environment: co
    refused = error(await as_("environment")(ASK, id=spill.id, co="water"))
    assert refused["code"] == "FORBIDDEN"
    assert (await current(services, spill.id)).co_departments == ("environment",)
