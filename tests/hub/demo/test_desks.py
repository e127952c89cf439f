"""The demo's desks: departments without a system work the events they lead through the
workbench, and leave alone what the grid settles and what a system works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette

from hub.demo.desks import DemoDesks, pace_of
from hub.demo.staff import Order, plan
from hub.services import Services
from tests.support.loop import S, current, report_in, timeline
from tests.support.principals import GRID_A


@pytest.fixture
def services(app: Starlette, monkeypatch: pytest.MonkeyPatch) -> Services:
    services: Services = app.state.services
    # citymgmt as in the demo: its system takes its orders.
    linked = SimpleNamespace(sinks={"citymgmt": "its own system"})
    monkeypatch.setattr(services.bus.workbench, "links", linked)
    return services


async def test_a_desk_claims_then_settles_its_event_by_the_deadline(services: Services) -> None:
    sewage = await report_in(services, GRID_A, category="environment.sewage")
    manhole = await report_in(services, GRID_A)  # citymgmt's system works this one
    litter = await report_in(services, GRID_A, category="city.litter")  # the grid settles it
    desks = DemoDesks(services.database, services.bus.workbench)
    assert sewage.deadline is not None
    now = datetime.now(UTC)
    assert await desks.round(now) == 1  # claims the sewage, nothing else
    assert (await current(services, sewage.id)).status is S.ACCEPTED
    late = sewage.deadline + (sewage.deadline - sewage.reported_at)  # past any plan
    assert await desks.round(late) == 1
    settled = await current(services, sewage.id)
    assert settled.status in {S.RESOLVED, S.RETURNED}
    entries = await timeline(services, sewage.id)
    assert entries[-1].details["by"] == "生态环境分局 办理人"
    assert [(await current(services, e.id)).status for e in (manhole, litter)] == [
        S.ROUTED,
        S.ROUTED,
    ]


async def test_a_desk_does_nothing_before_its_time(services: Services) -> None:
    sewage = await report_in(services, GRID_A, category="environment.sewage")
    desks = DemoDesks(services.database, services.bus.workbench)
    await desks.round(datetime.now(UTC))  # claimed
    assert await desks.round(sewage.reported_at + timedelta(seconds=1)) == 0


def test_the_command_centre_never_returns_what_nobody_else_will_take() -> None:
    start = datetime(2026, 11, 2, 1, tzinfo=UTC)
    orders = [
        Order("command", f"E{n}", start, start + timedelta(hours=4), "ACCEPTED") for n in range(500)
    ]
    plans = [plan(order, pace_of("command")) for order in orders]
    assert all(p is not None and p.settle is S.RESOLVED for p in plans)
    others = [plan(order, pace_of("environment")) for order in orders]
    assert any(p is not None and p.settle is S.RETURNED for p in others)


async def test_a_co_handlers_desk_claims_its_part_and_reports_it_done(services: Services) -> None:
    dispute = await report_in(services, GRID_A, category="dispute.property_mgmt")
    assert (dispute.lead_department, dispute.co_departments) == ("housing", ("justice",))
    desks = DemoDesks(services.database, services.bus.workbench)
    assert dispute.deadline is not None
    assert await desks.round(datetime.now(UTC)) == 2  # the lead claims it; so does 司法所
    late = dispute.deadline + (dispute.deadline - dispute.reported_at)
    await desks.round(late)
    await desks.round(late)  # nothing more for the co-handler: its part is done
    justice = [
        (e.type.step, e.status, e.details.get("role"), e.note)
        for e in await timeline(services, dispute.id)
        if e.details.get("department") == "justice"
    ]
    assert justice[0] == ("accepted", S.ACCEPTED, "CO", None)
    assert [entry[::2] for entry in justice[1:]] == [("progressed", "CO")]  # once
    assert justice[1][3] == "协办部分已完成"
