"""A department's dispatch handler: idempotent orders, refusals, transient failures."""

from __future__ import annotations

import json

import pytest

from hub.bus import CloudEvent, PoisonMessageError, Topics, derived_id
from hub.dispatch import DepartmentLinks, Dispatcher, FeedSpec, LinkError
from hub.events import Disposition, OrderRole, Severity, TimeUnit
from hub.events.payloads import Person, Place, TimeLimit, WorkOrderRequested
from tests.support.built_in import built_in_contributions
from tests.support.events import FakeFeed, FakeSink

GRID = "330199001006005"
EVENT = "01KBZ0000000000000000000AA"


def order_item(department: str = "citymgmt") -> CloudEvent:
    item = WorkOrderRequested(
        event_id=EVENT,
        department=department,
        role=OrderRole.LEAD,
        lead=department,
        disposition=Disposition.JOINT,
        category="municipal.manhole_cover",
        severity=Severity.HIGH,
        title="井盖缺失",
        description="人行道井盖缺失",
        place=Place(lat=30.312, lon=120.053, address="3号"),
        reporter=Person(name="张三", phone="13800000000"),
        photos=["https://img.example/1.jpg"],
        time_limit=TimeLimit(value=2, unit=TimeUnit.HOURS),
        co_handlers=["emergency"],
    )
    return CloudEvent.of(
        "gov.grid.workorder.requested",
        "/hub/router",
        GRID,
        item,
        subject=EVENT,
        id_=derived_id(EVENT, "order"),
    )


def data(output: object) -> dict[str, object]:
    return json.loads(output.value)  # type: ignore[attr-defined, no-any-return]


async def test_an_order_is_created_once_however_often_it_is_delivered() -> None:
    sink = FakeSink("citymgmt")
    dispatcher = Dispatcher(sink, Topics())
    first = await dispatcher.handle(order_item())
    again = await dispatcher.handle(order_item())
    assert len(sink.orders) == 1
    order = sink.orders[EVENT]
    assert (order.location.grid_code, order.location.address) == (GRID, "3号")
    assert (order.reporter_name, order.photos, order.co_handlers) == (
        "张三",
        ("https://img.example/1.jpg",),
        ("emergency",),
    )
    assert first[0].value == again[0].value
    assert dict(first[0].headers)["ce_id"] == dict(again[0].headers)["ce_id"]
    accepted = data(first[0])
    assert accepted["upstream"] == {"system": "citymgmt-fake", "id": "CITYMGMT-1"}
    assert accepted["departments"] == ["citymgmt", "emergency"]
    assert first[0].topic == "grid.events"


async def test_a_refusal_becomes_returned_with_every_refusal_so_far() -> None:
    (returned,) = await Dispatcher(FakeSink("citymgmt", refuse=True), Topics()).handle(order_item())
    body = data(returned)
    assert dict(returned.headers)["ce_type"] == b"gov.grid.event.returned"
    assert (body["reason"], body["refusedBy"], body["role"]) == (
        "不属于本部门职责",
        ["citymgmt"],
        "LEAD",
    )
    assert body["order"]["eventId"] == EVENT  # type: ignore[index]


async def test_transient_failures_are_retried_quickly_first() -> None:
    sink = FakeSink("citymgmt", failures=2)
    (accepted,) = await Dispatcher(sink, Topics(), retry_wait=0.001).handle(order_item())
    assert sink.calls == 3
    assert dict(accepted.headers)["ce_type"] == b"gov.grid.event.accepted"


async def test_a_department_that_stays_down_raises_for_the_worker_to_retry() -> None:
    sink = FakeSink("citymgmt", failures=10)
    with pytest.raises(ConnectionError):
        await Dispatcher(sink, Topics(), retry_wait=0.001).handle(order_item())
    assert sink.calls == 3


async def test_notices_make_no_order_and_foreign_items_are_poison() -> None:
    sink = FakeSink("police")
    dispatcher = Dispatcher(sink, Topics())
    notice = order_item()
    notice = CloudEvent(
        notice.id, "gov.grid.notice.issued", notice.source, notice.time, GRID, None, b"{}"
    )
    assert await dispatcher.handle(notice) == []
    with pytest.raises(PoisonMessageError, match="an order for citymgmt on police's topic"):
        await dispatcher.handle(order_item("citymgmt"))
    assert sink.calls == 0


def test_links_refuse_what_the_bus_cannot_use() -> None:
    links = DepartmentLinks(["citymgmt", "health"], built_in_contributions().feed_types)
    links.add_sink(FakeSink("citymgmt"))
    with pytest.raises(LinkError, match="has a sink already"):
        links.add_sink(FakeSink("citymgmt"))
    with pytest.raises(LinkError, match="unknown department 'airport'"):
        links.add_sink(FakeSink("airport"))
    with pytest.raises(
        LinkError, match=r"gov\.health\.alert\.created is not a published event type"
    ):
        links.add_feed(FeedSpec(FakeFeed("alerts"), "health", "alert"))
    links.add_feed(FeedSpec(FakeFeed("alerts"), "health", "alert", created_verb="raised"))
    with pytest.raises(LinkError, match="registered already"):
        links.add_feed(FeedSpec(FakeFeed("alerts"), "health", "alert", created_verb="raised"))
