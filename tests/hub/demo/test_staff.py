"""The demo's department staff: they work the hub's orders in their own systems, on the
event's own deadline, some late and some returned."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import respx
from sqlalchemy import insert, update

from connectors.citymgmt import CityManagementConnector
from connectors.health import HealthConnector
from connectors.petition import PetitionConnector
from connectors.police import PoliceConnector
from hub.core.workorders import LifecycleStatus as S
from hub.db.bus_models import GridEventRow, WorkOrderRow
from hub.demo.staff import DepartmentStaff, Order, Pace, next_step, plan
from hub.events import GridEventRecord
from tests.conftest import TownBus
from tests.support.events import report, routed_step

T0 = datetime(2026, 11, 2, 1, tzinfo=UTC)
LIMIT = timedelta(hours=4)
URL = "http://citymgmt.test"


def order(number: int, status: S = S.ACCEPTED) -> Order:
    return Order("citymgmt", f"C{number:05}", T0, T0 + LIMIT, status.value)


def test_a_department_returns_some_orders_and_resolves_some_late() -> None:
    pace = Pace(start=0.15, late=0.15, returned=0.04)
    plans = [plan(order(n), pace) for n in range(4000)]
    settled = [p for p in plans if p is not None]
    returned = [p for p in settled if p.settle is S.RETURNED]
    late = [p for p in settled if p.settle is S.RESOLVED and p.settle_at > T0 + LIMIT]
    assert len(settled) == 4000
    assert 0.03 < len(returned) / 4000 < 0.05
    assert 0.13 < len(late) / (4000 - len(returned)) < 0.17
    assert all(p.start_at == T0 + LIMIT * 0.15 for p in settled)
    assert all(p.settle_at >= p.start_at for p in settled)
    in_time = sorted(p.settle_at - T0 for p in settled if p.settle_at <= T0 + LIMIT)
    median = in_time[len(in_time) // 2] / LIMIT
    assert 0.3 < median < 0.5  # most early in the limit, a few near its end


def test_an_orders_plan_is_the_same_every_time() -> None:
    assert plan(order(7), Pace()) == plan(order(7), Pace())
    assert plan(Order("citymgmt", "C1", T0, None, "ACCEPTED"), Pace()) is None


def test_work_starts_then_the_matter_is_settled() -> None:
    accepted = order(1)
    planned = plan(accepted, Pace(returned=0))
    assert planned is not None
    assert next_step(accepted, planned, planned.start_at - timedelta(seconds=1)) is None
    assert next_step(accepted, planned, planned.start_at) is S.IN_PROGRESS
    assert next_step(order(1, S.IN_PROGRESS), planned, planned.start_at) is None
    assert next_step(order(1, S.IN_PROGRESS), planned, planned.settle_at) is S.RESOLVED


def test_each_system_is_worked_in_its_own_statuses() -> None:
    connectors = {
        "citymgmt": CityManagementConnector,
        "police": PoliceConnector,
        "petition": PetitionConnector,
        "health": HealthConnector,
    }
    staff = DepartmentStaff(None, dict.fromkeys(connectors, URL), connectors)  # type: ignore[arg-type]
    assert staff.targets == {
        "citymgmt": {S.IN_PROGRESS: "派遣", S.RESOLVED: "核查", S.RETURNED: "作废"},
        "police": {S.IN_PROGRESS: "DISPATCHED", S.RESOLVED: "HANDLED"},
        "petition": {S.IN_PROGRESS: "办理", S.RESOLVED: "回复", S.RETURNED: "退单"},
        "health": {S.IN_PROGRESS: "in-progress", S.RESOLVED: "completed", S.RETURNED: "rejected"},
    }


async def routed_order(town: TownBus, deadline: datetime) -> GridEventRecord:
    record = await town.bus.intake.report(report())
    await town.bus.projection.apply([routed_step(record, deadline=deadline)])
    async with town.env.database.engine.begin() as connection:
        values = {
            "event_id": record.id,
            "department": "citymgmt",
            "role": "lead",
            "upstream_system": "citymgmt",
            "upstream_id": "C00042",
            "accepted_at": deadline - LIMIT,
        }
        await connection.execute(insert(WorkOrderRow).values(**values))
    return record


def citymgmt_staff(town: TownBus) -> DepartmentStaff:
    return DepartmentStaff(
        town.env.database, {"citymgmt": URL}, {"citymgmt": CityManagementConnector}
    )


@respx.mock
async def test_a_round_presses_the_systems_button_for_each_due_step(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    deadline = datetime.now(UTC) + timedelta(minutes=5)
    await routed_order(town, deadline)
    advance = respx.post(f"{URL}/_admin/advance/C00042").respond(200, json={"status": "派遣"})
    staff = citymgmt_staff(town)
    async with httpx.AsyncClient(headers={"X-Admin-Token": "t"}) as client:
        assert await staff.round(client, deadline - LIMIT) == 0  # just accepted
        assert await staff.round(client, deadline + LIMIT) == 1  # well past everything
    (call,) = advance.calls
    sent = json.loads(call.request.content)
    assert sent["status"] in {"核查", "作废"}  # settled, one way or the other
    assert call.request.headers["X-Admin-Token"] == "t"


@respx.mock
async def test_an_order_no_longer_the_events_lead_is_left_alone(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    deadline = datetime.now(UTC) + timedelta(minutes=5)
    record = await routed_order(town, deadline)
    # Returned, and routed on to the command centre: citymgmt's order is done with.
    async with town.env.database.engine.begin() as connection:
        rerouted = {"lead_department": "command", "status": "ROUTED"}
        await connection.execute(
            update(GridEventRow).where(GridEventRow.id == record.id).values(**rerouted)
        )
    advance = respx.post(f"{URL}/_admin/advance/C00042").respond(200, json={"status": "派遣"})
    staff = citymgmt_staff(town)
    async with httpx.AsyncClient() as client:
        assert await staff.round(client, deadline + LIMIT) == 0
    assert not advance.called
