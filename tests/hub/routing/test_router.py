"""The router's decisions and what it emits, with no broker: a handler is a function."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from ulid import ULID

from hub.bus import CloudEvent, Message, PoisonMessageError, Record, Topics
from hub.bus.settings import TimerSettings
from hub.core.departments import load_departments
from hub.core.paths import ROUTING_RULES_FILE, TAXONOMY_FILE
from hub.core.workorders import LifecycleStatus
from hub.events import Channel, Disposition, OrderRole, OriginKind, Severity, Taxonomy, TimeUnit
from hub.events.payloads import (
    DepartmentRecord,
    Origin,
    Place,
    Reported,
    Returned,
    TimeLimit,
    Upstream,
    WorkOrderRequested,
)
from hub.routing import Router, RulesFile
from hub.timers.schedule import Schedule
from tests.support.built_in import built_in_contributions

DEPARTMENTS = [d.code for d in load_departments()]
GRID = "330199001006005"
TOPICS = Topics()
WHEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
READ = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a feed read the record a week on


@pytest.fixture(scope="module")
def router() -> Router:
    taxonomy = Taxonomy.load(TAXONOMY_FILE, DEPARTMENTS)
    given = built_in_contributions()
    rules = RulesFile(
        ROUTING_RULES_FILE, taxonomy, DEPARTMENTS, given.feed_types, given.rule_sources
    )
    return Router(taxonomy, rules, TOPICS, Schedule.load(TimerSettings()).deadline)


def reported(router: Router, category: str, **fields: Any) -> CloudEvent:
    found = router.taxonomy.get(category)
    assert found is not None
    data = Reported(
        event_id="01KBZ0000000000000000000AA",
        status=LifecycleStatus.REPORTED,
        category=category,
        severity=fields.pop("severity", found.severity),
        title=found.name,
        description="描述",
        channel=fields.pop("channel", Channel.PATROL),
        place=Place(lat=30.312, lon=120.053),
        reported_at=WHEN,
        level=found.level,
        time_limit=found.time_limit,
        origin=fields.pop("origin", Origin(kind=OriginKind.REPORT)),
    )
    return CloudEvent.of(
        "gov.grid.event.reported",
        "/test",
        GRID,
        data,
        subject=data.event_id,
        id_=data.event_id,
        time=WHEN,
    )


def by_type(outputs: list[Message]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for message in outputs:
        kind = dict(message.headers)["ce_type"].decode()
        found.setdefault(kind, []).append({"topic": message.topic, **json.loads(message.value)})
    return found


async def test_a_small_matter_stays_in_the_grid(router: Router) -> None:
    outputs = by_type(await router.handle(reported(router, "city.litter")))
    (routed,) = outputs["gov.grid.event.routed"]
    assert (routed["disposition"], routed["lead"], routed["coHandlers"]) == (
        "IN_GRID",
        "command",
        [],
    )
    (order,) = outputs["gov.grid.workorder.requested"]
    assert order["topic"] == "dept.command.dispatch"
    assert order["disposition"] == "IN_GRID"


async def test_a_serious_matter_goes_to_its_department_with_a_deadline(router: Router) -> None:
    outputs = by_type(await router.handle(reported(router, "municipal.manhole_cover")))
    (routed,) = outputs["gov.grid.event.routed"]
    assert (routed["disposition"], routed["lead"]) == ("SINGLE", "citymgmt")
    assert routed["deadline"] == "2026-11-23T11:00:00Z"  # two clock hours
    assert routed["rules"] == ["serious-events-alert"]
    assert [o["topic"] for o in outputs["gov.grid.workorder.requested"]] == [
        "dept.citymgmt.dispatch"
    ]
    notices = outputs["gov.grid.notice.issued"]
    assert sorted(n["topic"] for n in notices) == [
        "dept.command.dispatch",
        "dept.emergency.dispatch",
    ]


async def test_rules_add_co_handlers_and_forbid_settling_in_the_grid(router: Router) -> None:
    flood = reported(
        router, "municipal.waterlogging", severity=Severity.MEDIUM, channel=Channel.HOTLINE
    )
    outputs = by_type(await router.handle(flood))
    (routed,) = outputs["gov.grid.event.routed"]
    assert (routed["disposition"], routed["lead"], routed["coHandlers"]) == (
        "JOINT",
        "citymgmt",
        ["emergency"],
    )
    assert routed["rules"] == ["flood-joint-response", "hotline-follow-up"]
    orders = {o["department"]: o["role"] for o in outputs["gov.grid.workorder.requested"]}
    assert orders == {"citymgmt": "LEAD", "emergency": "CO"}
    assert [n["department"] for n in outputs["gov.grid.notice.issued"]] == ["petition"]


async def test_a_redelivered_report_gets_the_same_outputs(router: Router) -> None:
    event = reported(router, "market.food_safety")
    first, again = await router.handle(event), await router.handle(event)
    assert [dict(m.headers)["ce_id"] for m in first] == [dict(m.headers)["ce_id"] for m in again]
    assert [m.value for m in first] == [m.value for m in again]
    assert all(m.key == GRID for m in first)


async def test_working_days_run_on_the_working_calendar(router: Router) -> None:
    # Reported on Monday at 17:00 in Shanghai: half an hour that day, then Tuesday and
    # Wednesday, and the last seven working hours of three days on Thursday.
    outputs = by_type(await router.handle(reported(router, "city.billboard")))
    (routed,) = outputs["gov.grid.event.routed"]
    assert routed["timeLimit"] == {"value": 3, "unit": "WORKING_DAYS"}
    assert routed["deadline"] == "2026-11-26T09:00:00Z"


def refused(by: list[str], role: OrderRole = OrderRole.LEAD) -> CloudEvent:
    order = WorkOrderRequested(
        event_id="01KBZ0000000000000000000AA",
        department=by[-1],
        role=role,
        lead=by[-1],
        disposition=Disposition.JOINT,
        category="environment.noise",
        severity=Severity.HIGH,
        title="噪声扰民",
        description="夜间施工",
        place=Place(lat=30.312, lon=120.053),
        time_limit=TimeLimit(value=2, unit=TimeUnit.WORKING_DAYS),
        co_handlers=["police"],
    )
    data = Returned(
        event_id=order.event_id,
        status=LifecycleStatus.RETURNED,
        category=order.category,
        severity=order.severity,
        department=by[-1],
        role=role,
        reason="非本部门职责",
        refused_by=by,
        order=order,
    )
    return CloudEvent.of("gov.grid.event.returned", "/test", GRID, data, subject=order.event_id)


async def test_a_refused_lead_order_goes_to_the_next_candidate(router: Router) -> None:
    outputs = by_type(await router.handle(refused(["environment"])))
    (routed,) = outputs["gov.grid.event.routed"]
    assert (routed["lead"], routed["coHandlers"], routed["refusedBy"]) == (
        "police",
        [],
        ["environment"],
    )
    (order,) = outputs["gov.grid.workorder.requested"]
    assert (order["topic"], order["role"]) == ("dept.police.dispatch", "LEAD")


async def test_when_everyone_refuses_the_command_centre_takes_it(router: Router) -> None:
    outputs = by_type(await router.handle(refused(["environment", "police"])))
    assert outputs["gov.grid.event.routed"][0]["lead"] == "command"


async def test_a_co_handler_refusing_changes_no_route(router: Router) -> None:
    assert await router.handle(refused(["police"], role=OrderRole.CO)) == []


def record_event(
    kind: str, category: str, grids: list[str], recordedtime: datetime | None = None
) -> CloudEvent:
    data = DepartmentRecord(
        department=kind.split(".")[1],
        entity=kind.split(".")[2],
        status="新建",
        upstream=Upstream(system="dept", id="R-1"),
        occurred_at=WHEN,
        category=category,
        title="记录",
        place=Place(lat=30.312, lon=120.053),
        grids=grids,
    )
    return CloudEvent.of(
        kind, "/connectors/dept", grids[0], data, time=WHEN, recordedtime=recordedtime
    )


def event_of(message: Message) -> CloudEvent:
    return CloudEvent.from_record(
        Record(message.topic, 0, 0, message.key, message.value, message.headers, 0)
    )


async def test_a_police_dispute_opens_a_mediation_task(router: Router) -> None:
    incident = record_event("gov.police.incident.created", "dispute.neighbour", [GRID])
    (opened,) = await router.handle(incident)
    data = json.loads(opened.value)
    assert dict(opened.headers)["ce_type"] == b"gov.grid.event.reported"
    assert (data["category"], data["channel"]) == ("dispute.mediation", "DEPARTMENT")
    assert data["origin"] == {
        "kind": "RULE",
        "rule": "police-dispute-mediation",
        "causedBy": incident.id,
        "upstream": {"system": "dept", "id": "R-1"},
    }


async def test_an_opened_event_is_reported_when_the_hub_read_the_record(router: Router) -> None:
    """A feed's first read takes in the system's open records, begun long before: the
    task a rule opens runs from the read, its id in that millisecond, as a report's."""
    kind = "gov.police.incident.created"
    incident = record_event(kind, "dispute.neighbour", [GRID], READ)
    (message,) = await router.handle(incident)
    opened = event_of(message)
    report = opened.payload(Reported)
    assert (opened.time, report.reported_at) == (READ, READ)
    assert ULID.from_str(opened.id).datetime == READ
    routed = by_type(await router.handle(opened))["gov.grid.event.routed"][0]
    deadline = router.deadline(READ, report.time_limit)
    assert deadline is not None
    assert datetime.fromisoformat(routed["deadline"]) == deadline
    (again,) = await router.handle(incident)
    assert event_of(again).id == opened.id  # redelivered: the same event
    (unread,) = await router.handle(record_event(kind, "dispute.neighbour", [GRID]))
    assert event_of(unread).payload(Reported).reported_at == WHEN  # no recordedtime: its time


async def test_a_fever_cluster_warns_every_grid_and_asks_for_disinfection(router: Router) -> None:
    grids = [GRID, "330199001006004", "330199001005001"]
    outputs = by_type(
        await router.handle(record_event("gov.health.alert.raised", "health.fever_cluster", grids))
    )
    notices = outputs["gov.grid.notice.issued"]
    assert {n["topic"] for n in notices} == {"dept.command.dispatch"}
    assert len(notices) == 3
    (opened,) = outputs["gov.grid.event.reported"]
    assert opened["category"] == "health.disinfection"


async def test_an_opened_event_is_routed_to_its_department_never_the_grid(router: Router) -> None:
    origin = Origin(kind=OriginKind.RULE, rule="r", caused_by="01KBZ0000000000000000000AB")
    outputs = by_type(await router.handle(reported(router, "dispute.mediation", origin=origin)))
    assert outputs["gov.grid.event.routed"][0]["lead"] == "justice"


async def test_an_unknown_category_is_poison(router: Router) -> None:
    event = reported(router, "city.litter")
    poisoned = CloudEvent(
        event.id,
        event.type,
        event.source,
        event.time,
        event.gridid,
        event.subject,
        event.data.replace(b"city.litter", b"city.unheard_of"),
    )
    with pytest.raises(PoisonMessageError, match=r"city\.unheard_of"):
        await router.handle(poisoned)


async def test_other_steps_pass_the_router_by(router: Router) -> None:
    routed = (await router.handle(reported(router, "city.litter")))[0]
    assert dict(routed.headers)["ce_type"] == b"gov.grid.event.routed"
    assert "gov.grid.event.routed" not in router.takes
