"""Change feeds: cursors kept, changes emitted once, records placed in their grids."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from hub.bus import CloudEvent
from hub.core.clock import ManualClock
from hub.core.workorders import LifecycleStatus
from hub.db.bus_models import FeedCursorRow
from hub.dispatch import FeedSpec
from hub.events import (
    Disposition,
    GridEventRecord,
    GridEventType,
    OrderRole,
    Projection,
    Severity,
    TimeUnit,
    ledger,
)
from hub.events.payloads import Accepted, TimeLimit, Upstream
from tests.conftest import TownBus
from tests.support.events import (
    FakeFeed,
    change,
    lifecycle_step,
    outbox_events,
    report,
    routed_step,
)

STATUSES = {
    "处置中": LifecycleStatus.IN_PROGRESS,
    "已结案": LifecycleStatus.RESOLVED,
    "已退回": LifecycleStatus.RETURNED,
}
WHEN = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
READ = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def outbox(town: TownBus) -> list[CloudEvent]:
    return await outbox_events(town.env.database)


async def cases(town: TownBus, feed: FakeFeed) -> FeedSpec:
    spec = FeedSpec(feed, "citymgmt", "case", STATUSES)
    town.bus.links.add_feed(spec)
    return spec


async def test_changes_to_hub_orders_become_steps_of_their_events(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    record = await town.bus.intake.report(report("municipal.manhole_cover"))
    accepted = Accepted(
        event_id=record.id,
        status=LifecycleStatus.ACCEPTED,
        category=record.category,
        severity=Severity.HIGH,
        department="citymgmt",
        role=OrderRole.LEAD,
        upstream=Upstream(system="cm", id="CG1"),
    )
    await Projection(town.env.database).apply(
        [
            routed_step(record),
            CloudEvent.of(
                "gov.grid.event.accepted", "/t", record.grid_code, accepted, subject=record.id
            ),
        ]
    )
    feed = FakeFeed(
        "cm-cases",
        [
            change(
                "CG1", "处置中", system="cm", occurred_at=WHEN
            ),  # found by the order's upstream id
            change(
                "CG1", "已派遣", system="cm", occurred_at=WHEN, event_id=record.id
            ),  # unmapped status
            change(
                "CG1",
                "已结案",
                system="cm",
                occurred_at=WHEN,
                event_id=record.id,
                note="已更换井盖",
            ),
        ],
    )
    spec = await cases(town, feed)
    assert await town.bus.feeds.poll(spec) == 3
    steps = (await outbox(town))[1:]  # after the report itself
    assert [e.type for e in steps] == ["gov.grid.event.progressed"] * 2 + [
        "gov.grid.event.resolved"
    ]
    bodies = [json.loads(e.data) for e in steps]
    assert [b["status"] for b in bodies] == ["IN_PROGRESS", "ACCEPTED", "RESOLVED"]
    assert bodies[1]["note"] == "cm: 已派遣"
    assert bodies[2]["note"] == "已更换井盖"
    assert {e.subject for e in steps} == {record.id}
    assert {e.gridid for e in steps} == {record.grid_code}


async def test_a_cursor_is_kept_and_a_repeated_change_is_emitted_once(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    created = change(
        "I-9",
        "新警情",
        system="pd",
        kind="created",
        occurred_at=WHEN,
        record={
            "category": "dispute.neighbour",
            "title": "邻里纠纷",
            "lat": 30.312,
            "lon": 120.053,
        },
    )
    feed = FakeFeed("pd-incidents", [created], page=1)
    spec = FeedSpec(feed, "police", "incident")
    town.bus.links.add_feed(spec)
    town.bus.feeds.clock = ManualClock(READ)
    assert await town.bus.feeds.poll(spec) == 1
    assert await town.bus.feeds.poll(spec) == 0  # nothing new after the cursor
    feed.log.append(created)  # the system sends the same change again
    assert await town.bus.feeds.poll(spec) == 0
    async with town.env.database.engine.connect() as connection:
        cursor = await connection.scalar(
            select(FeedCursorRow.cursor).where(FeedCursorRow.feed == "pd-incidents")
        )
    assert cursor == "2"
    (event,) = await outbox(town)
    body = json.loads(event.data)
    assert (event.type, event.gridid) == ("gov.police.incident.created", "330199001006005")
    assert (event.time, event.recordedtime) == (WHEN, READ)  # it began, then the hub read it
    assert body["grids"] == ["330199001006005"]
    assert body["upstream"] == {"system": "pd", "id": "I-9"}


async def test_an_alert_without_a_point_is_placed_at_its_first_grid(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    grids = ["330199001003002", "330199001003001"]
    alert = change(
        "A-1",
        "预警",
        system="hs",
        kind="created",
        occurred_at=WHEN,
        record={"category": "health.fever_cluster", "grids": grids},
    )
    spec = FeedSpec(FakeFeed("hs-alerts", [alert]), "health", "alert", created_verb="raised")
    town.bus.links.add_feed(spec)
    await town.bus.feeds.poll(spec)
    (event,) = await outbox(town)
    assert (event.type, event.gridid) == ("gov.health.alert.raised", "330199001003002")
    place = json.loads(event.data)["place"]
    found = town.registry.locate(place["lat"], place["lon"])
    assert found is not None
    assert found.grid == grids[0]


async def test_records_outside_the_town_or_without_an_event_type_are_left_out(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    feed = FakeFeed(
        "cm-cases",
        [
            change("X", "新立案", system="cm", kind="created", record={"lat": 31.5, "lon": 121.5}),
            change(
                "Y", "处置中", system="cm", record={"lat": 30.312, "lon": 120.053}
            ),  # no type for it
            change("Z", "已结案", system="cm", record={"lat": 30.312, "lon": 120.053}),
        ],
    )
    spec = await cases(town, feed)
    assert await town.bus.feeds.poll(spec) == 1
    (event,) = await outbox(town)
    assert (event.type, json.loads(event.data)["status"]) == ("gov.citymgmt.case.closed", "已结案")


async def test_a_departments_own_names_are_read_and_its_own_classes_dropped(
    embedded_town_bus: TownBus,
) -> None:
    """A case as the city-management system keeps it: its own keys, its own category code."""
    town = embedded_town_bus
    case = {
        "id": "CG9",
        "latitude": 30.312,
        "longitude": 120.053,
        "category_code": "A0102",
        "description": "共享单车堆放",
    }
    created = change("CG9", "受理", system="cm", kind="created", occurred_at=WHEN, record=case)
    spec = FeedSpec(
        FakeFeed("cm-own", [created]),
        "citymgmt",
        "case",
        keys={"lat": "latitude", "lon": "longitude", "category": "category_code"},
    )
    town.bus.links.add_feed(spec)
    assert await town.bus.feeds.poll(spec) == 1
    (event,) = await outbox(town)
    body = json.loads(event.data)
    assert (event.type, event.gridid) == ("gov.citymgmt.case.created", "330199001006005")
    assert "category" not in body  # A0102 is the department's own class, not the taxonomy's
    assert body["description"] == "共享单车堆放"


def police_leading_citymgmt(record: GridEventRecord) -> CloudEvent:
    """The event routed jointly: police lead, city management co-handles."""
    return lifecycle_step(
        GridEventType.ROUTED,
        record,
        LifecycleStatus.ROUTED,
        disposition=Disposition.JOINT,
        lead="police",
        co_handlers=["citymgmt"],
        time_limit=TimeLimit(value=2, unit=TimeUnit.HOURS),
    )


async def test_a_co_handler_closing_its_order_moves_only_its_order(
    embedded_town_bus: TownBus,
) -> None:
    """Police lead, city management co-handles: the co-handler's 已结案 is progress on its
    own order, and the event stays where the lead's order has it."""
    town = embedded_town_bus
    record = await town.bus.intake.report(report("municipal.manhole_cover"))
    routed = police_leading_citymgmt(record)
    orders = [
        lifecycle_step(
            GridEventType.ACCEPTED,
            record,
            LifecycleStatus.ACCEPTED,
            salt=department,
            department=department,
            role=role,
            upstream=Upstream(system=system, id=upstream_id),
        )
        for department, role, system, upstream_id in [
            ("police", OrderRole.LEAD, "pd", "JQ1"),
            ("citymgmt", OrderRole.CO, "cm", "CG1"),
        ]
    ]
    projection = Projection(town.env.database)
    await projection.apply([routed, *orders])
    closed = change("CG1", "已结案", system="cm", occurred_at=WHEN, note="井盖已更换")
    spec = await cases(town, FakeFeed("cm-cases", [closed]))
    assert await town.bus.feeds.poll(spec) == 1
    step = (await outbox(town))[-1]
    body = json.loads(step.data)
    assert (step.type, body["status"]) == ("gov.grid.event.progressed", "ACCEPTED")
    assert (body["department"], body["role"], body["note"]) == ("citymgmt", "CO", "井盖已更换")

    await projection.apply([step])
    async with town.env.database.engine.connect() as connection:
        (event,) = (await ledger.events(connection, [record.id])).values()
    assert event.status is LifecycleStatus.ACCEPTED  # the lead has not finished


async def test_the_creation_of_a_hub_order_read_from_its_feed_is_no_step(
    embedded_town_bus: TownBus,
) -> None:
    """Dispatch said the order was taken (ACCEPTED, with the system's id); the system's
    own feed then shows the record's creation. That is the same fact, not progress: it
    made a co-handler's order look worked when its feed was read after dispatch's step
    had reached the ledger, and not when before."""
    town = embedded_town_bus
    record = await town.bus.intake.report(report("municipal.manhole_cover"))
    routed = police_leading_citymgmt(record)
    taken = lifecycle_step(
        GridEventType.ACCEPTED,
        record,
        LifecycleStatus.ACCEPTED,
        department="citymgmt",
        role=OrderRole.CO,
        upstream=Upstream(system="cm", id="CG1"),
    )
    await Projection(town.env.database).apply([routed, taken])
    created = change("CG1", "处置中", system="cm", kind="created", occurred_at=WHEN)
    worked = change("CG1", "已结案", system="cm", occurred_at=WHEN, event_id=record.id)
    spec = await cases(town, FakeFeed("cm-cases", [created, worked]))
    assert await town.bus.feeds.poll(spec) == 1
    bodies = [json.loads(e.data) for e in (await outbox(town))[1:]]
    assert [(b["department"], b["note"]) for b in bodies] == [("citymgmt", "cm: 已结案")]


async def test_the_leads_closing_moves_the_event(embedded_town_bus: TownBus) -> None:
    town = embedded_town_bus
    record = await town.bus.intake.report(report("municipal.manhole_cover"))
    await Projection(town.env.database).apply([routed_step(record, lead="citymgmt")])
    closed = change("CG2", "已结案", system="cm", occurred_at=WHEN, event_id=record.id)
    spec = await cases(town, FakeFeed("cm-cases", [closed]))
    assert await town.bus.feeds.poll(spec) == 1
    step = (await outbox(town))[-1]
    assert (step.type, json.loads(step.data)["role"]) == ("gov.grid.event.resolved", "LEAD")


async def test_a_change_the_ledger_has_not_seen_routed_yet_is_the_leads(
    embedded_town_bus: TownBus,
) -> None:
    """On Kafka the ledger may trail the bus: the department's system already holds the
    order, and its 已结案 comes in while the ledger still has the event as reported."""
    town = embedded_town_bus
    record = await town.bus.intake.report(report("municipal.manhole_cover"))
    closed = change("CG3", "已结案", system="cm", occurred_at=WHEN, event_id=record.id)
    spec = await cases(town, FakeFeed("cm-cases", [closed]))
    assert await town.bus.feeds.poll(spec) == 1
    step = (await outbox(town))[-1]
    body = json.loads(step.data)
    assert (step.type, body["status"], body["role"]) == (
        "gov.grid.event.resolved",
        "RESOLVED",
        "LEAD",
    )
