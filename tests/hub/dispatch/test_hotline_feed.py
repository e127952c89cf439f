"""A system that is a way in for reports (12345): a citizen's call made there becomes a
grid event in the HOTLINE channel, once, placed by its point or its community; the
hotline's later steps go on the event's timeline, and its rating closes a verified event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.bus import CloudEvent
from hub.core.workorders import LifecycleStatus, UpstreamChange
from hub.dispatch import FeedSpec
from hub.events import Channel, GridEventType, Projection, ledger, report_id
from hub.events.payloads import Upstream
from tests.conftest import TownBus
from tests.support.events import FakeFeed, change, lifecycle_step, outbox_events, routed_step

S = LifecycleStatus
T = GridEventType
CALLED = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
STATUSES = {"受理": S.ACCEPTED, "办理": S.IN_PROGRESS, "回复": S.RESOLVED, "评价": S.CLOSED}
KEYS = {"reported_at": "acceptedAt", "reporter_phone": "citizen.phone", "lat": "point.lat",
        "lon": "point.lon", "category": "code"}  # fmt: skip
STREETLIGHT = {
    "code": "SZ02",
    "title": "路灯不亮",
    "description": "来电人反映路口路灯连续多晚不亮",
    "acceptedAt": CALLED.isoformat(),
    "citizen": {"name": "李四", "phone": "13900001111"},
    "point": {"lat": 30.312, "lon": 120.053},
}
GRID = "330199001003002"
CASE = Upstream(system="cm", id="CG1")  # city management's order


def hotline(town: TownBus, *changes: UpstreamChange) -> FeedSpec:
    spec = FeedSpec(
        FakeFeed("hotline-orders", list(changes)),
        "petition",
        "ticket",
        STATUSES,
        keys=KEYS,
        categories={"SZ02": "municipal.streetlight", "ZZ99": "dispute.mediation"},
        reports=Channel.HOTLINE,
    )
    town.bus.links.add_feed(spec)
    return spec


def call(status: str = "受理", hours: float = 0, **record: Any) -> UpstreamChange:
    kind = "created" if status == "受理" else "status"
    at = CALLED + timedelta(hours=hours)
    return change("GD1", status, system="hl", kind=kind, occurred_at=at,
                  record=STREETLIGHT | record)  # fmt: skip


async def test_a_call_to_the_hotline_becomes_a_hotline_report_once(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    spec = hotline(town, call(), call())  # the feed repeats itself
    assert await town.bus.feeds.poll(spec) == 1
    (event,) = await outbox_events(town.env.database)
    expected = report_id(Upstream(system="hl", id="GD1"), CALLED)
    assert (event.type, event.id, event.subject) == (T.REPORTED, expected, expected)
    data = json.loads(event.data)
    assert (data["channel"], data["category"], data["title"]) == (
        "HOTLINE",
        "municipal.streetlight",
        "路灯不亮",
    )
    assert data["origin"] == {"kind": "REPORT", "upstream": {"system": "hl", "id": "GD1"}}
    async with town.env.database.engine.connect() as connection:
        record = (await ledger.events(connection, [expected]))[expected]
    assert record.channel is Channel.HOTLINE
    assert record.reporter_phone == "13900001111"  # the caller, for the follow-up call
    assert record.reported_at == CALLED
    # Read again from the start (a new cursor): the same order, the same event, no other.
    spec.feed.log.append(call())  # type: ignore[attr-defined]
    assert await town.bus.feeds.poll(spec) == 0


async def test_a_call_without_a_point_is_placed_in_its_communitys_grid(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    spec = hotline(town, call(point=None, grids=[GRID]))
    assert await town.bus.feeds.poll(spec) == 1
    (event,) = await outbox_events(town.env.database)
    assert event.gridid == GRID


async def test_calls_the_grid_has_no_part_in_raise_no_event(embedded_town_bus: TownBus) -> None:
    town = embedded_town_bus
    other = call(code="JY01")  # school places: the hotline's own business
    nowhere = change("GD2", "受理", system="hl", kind="created", occurred_at=CALLED,
                     record=STREETLIGHT | {"point": {"lat": 31.5, "lon": 121.5}})  # fmt: skip
    rules_only = change("GD3", "受理", system="hl", kind="created", occurred_at=CALLED,
                        record=STREETLIGHT | {"code": "ZZ99"})  # fmt: skip
    spec = hotline(town, other, nowhere, rules_only)
    assert await town.bus.feeds.poll(spec) == 0
    assert await outbox_events(town.env.database) == []


async def test_the_hotlines_steps_are_notes_and_its_rating_closes_a_verified_event(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    spec = hotline(town, call())
    await town.bus.feeds.poll(spec)
    event_id = report_id(Upstream(system="hl", id="GD1"), CALLED)
    record = await _record(town, event_id)
    steps = [
        routed_step(record),
        lifecycle_step(
            T.ACCEPTED, record, S.ACCEPTED, department="citymgmt", role="LEAD", upstream=CASE
        ),
        lifecycle_step(T.RESOLVED, record, S.RESOLVED, department="citymgmt"),
    ]
    await Projection(town.env.database).apply(steps)
    spec.feed.log += [call("办理", 1), call("回复", 2)]  # type: ignore[attr-defined]
    assert await town.bus.feeds.poll(spec) == 2
    notes = (await outbox_events(town.env.database))[-2:]
    assert [(e.type, _status(e)) for e in notes] == [(T.PROGRESSED, "RESOLVED")] * 2
    assert json.loads(notes[0].data)["department"] == "petition"

    await _apply_new(town, steps=notes)
    verified = lifecycle_step(T.VERIFIED, record, S.VERIFIED, passed=True)
    await Projection(town.env.database).apply([verified])
    spec.feed.log.append(call("评价", 30, rating=4))  # type: ignore[attr-defined]
    assert await town.bus.feeds.poll(spec) == 2
    rated, closed = (await outbox_events(town.env.database))[-2:]
    assert [(e.type, _status(e)) for e in (rated, closed)] == [
        (T.RATED, "VERIFIED"),
        (T.CLOSED, "CLOSED"),
    ]
    assert json.loads(rated.data)["score"] == 4
    await _apply_new(town, steps=[rated, closed])
    assert (await _record(town, event_id)).status is S.CLOSED


async def test_a_rating_before_verification_moves_nothing(embedded_town_bus: TownBus) -> None:
    """The hotline works its own record at its own pace: a rating of a reply it gave
    before the department resolved the event is a note, and the event waits."""
    town = embedded_town_bus
    spec = hotline(town, call(), call("评价", 5, rating=5))
    assert await town.bus.feeds.poll(spec) == 2
    note = (await outbox_events(town.env.database))[-1]
    assert (note.type, _status(note)) == (T.PROGRESSED, "REPORTED")


async def _record(town: TownBus, event_id: str) -> Any:
    async with town.env.database.engine.connect() as connection:
        return (await ledger.events(connection, [event_id]))[event_id]


async def _apply_new(town: TownBus, steps: list[CloudEvent]) -> None:
    await Projection(town.env.database).apply(steps)


def _status(event: CloudEvent) -> str:
    return str(json.loads(event.data)["status"])
