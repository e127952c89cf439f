"""Patrols (三查) over HTTP: a grid worker patrols their own grid, checks in and reports
on the way; a check-in outside their grids is refused; supervisors read the coverage;
a routine a grid missed is announced once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette

from hub.bus import CloudEvent, Record
from hub.core.clock import ManualClock
from hub.core.codes import RegionLevel
from hub.events import DispatchType
from hub.events.payloads import NoticeIssued
from hub.events.steps import Actor
from hub.patrols import Patrols, RoutineCode
from hub.registry.model import Region
from hub.security.principal import GridScope
from hub.services import Services
from hub.stats.periods import CST
from tests.schema.conftest import As, data, error
from tests.support.events import collect
from tests.support.patrols import missed_in
from tests.support.principals import GRID_A, GRID_B, context_for

PATROL = "id grid routine worker keyName endedAt checkIns { microGrid } events"
START = f"""mutation($grid: String!) {{
  startPatrol(grid: $grid, routine: DAILY) {{ {PATROL} }} }}"""
CHECK_IN = f"""mutation($id: ID!, $lat: Float!, $lon: Float!) {{
  checkIn(patrolId: $id, lat: $lat, lon: $lon) {{ {PATROL} }} }}"""
END = f"""mutation($id: ID!) {{ endPatrol(patrolId: $id) {{ {PATROL} }} }}"""
REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id channel } }"""
COVERAGE = """query($region: String!, $date: Date) {
  patrolCoverage(region: $region, routine: DAILY, date: $date) {
    grid status due unreached patrols { keyName checkIns { microGrid } } } }"""
MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=CST)  # a Monday


def micro_grids(services: Services, grid: str) -> list[Region]:
    return services.registry.snapshot.children[grid]


def on_the_clock(services: Services, at: datetime) -> ManualClock:
    clock = ManualClock(at)
    services.patrols.clock = clock
    return clock


async def test_a_worker_patrols_their_grid_and_reports_on_the_way(
    services: Services, as_: As
) -> None:
    clock = on_the_clock(services, MORNING)
    worker = as_("grid_worker")
    patrol = data(await worker(START, grid=GRID_A), "startPatrol")
    assert (patrol["grid"], patrol["routine"], patrol["keyName"]) == (
        GRID_A,
        "DAILY",
        "worker of A",
    )
    assert patrol["worker"].startswith("key:")
    first, *others = micro_grids(services, GRID_A)
    clock.advance(timedelta(minutes=20))
    checked = data(
        await worker(CHECK_IN, id=patrol["id"], lat=first.centroid_lat, lon=first.centroid_lon),
        "checkIn",
    )
    assert checked["checkIns"] == [{"microGrid": first.code}]
    found = {
        "category": "municipal.manhole_cover",
        "description": "巡查发现井盖缺失",
        "channel": "PATROL",
        "location": {"lat": first.centroid_lat, "lon": first.centroid_lon},
        "patrolId": patrol["id"],
    }
    reported = data(await worker(REPORT, i=found), "reportEvent")
    clock.advance(timedelta(minutes=40))
    ended = data(await worker(END, id=patrol["id"]), "endPatrol")
    assert ended["events"] == [reported["id"]]
    assert ended["endedAt"] is not None
    refused = await worker(
        CHECK_IN, id=patrol["id"], lat=first.centroid_lat, lon=first.centroid_lon
    )
    assert error(refused)["code"] == "BAD_USER_INPUT"  # the patrol has ended

    coverage = data(await as_("command")(COVERAGE, region=GRID_A), "patrolCoverage")
    assert [(c["grid"], c["status"]) for c in coverage] == [(GRID_A, "DONE")]
    assert coverage[0]["unreached"] == [m.code for m in others]
    assert coverage[0]["patrols"][0]["keyName"] == "worker of A"


async def test_a_check_in_outside_the_workers_grids_is_refused(services: Services, as_: As) -> None:
    on_the_clock(services, MORNING)
    worker = as_("grid_worker")
    patrol = data(await worker(START, grid=GRID_A), "startPatrol")
    elsewhere = micro_grids(services, GRID_B)[0]
    refused = await worker(
        CHECK_IN, id=patrol["id"], lat=elsewhere.centroid_lat, lon=elsewhere.centroid_lon
    )
    assert error(refused)["code"] == "FORBIDDEN"
    at_sea = await worker(CHECK_IN, id=patrol["id"], lat=31.5, lon=121.5)
    assert error(at_sea)["code"] == "LOCATION_OUTSIDE_GRIDS"
    assert error(await worker(START, grid=GRID_B))["code"] == "FORBIDDEN"
    kept = await services.patrols.check(patrol["id"], Actor("command"))
    assert kept.check_ins == ()  # nothing refused was kept


async def test_a_workers_coverage_shows_only_their_grids(services: Services, as_: As) -> None:
    on_the_clock(services, MORNING)
    district = GRID_A[:6]
    theirs = data(await as_("grid_worker")(COVERAGE, region=district), "patrolCoverage")
    assert [c["grid"] for c in theirs] == [GRID_A]
    everyone = data(await as_("command")(COVERAGE, region=district), "patrolCoverage")
    assert len(everyone) == len(services.registry.snapshot.codes_by_level[RegionLevel.GRID]) > 1
    assert {c["status"] for c in everyone} == {"DUE"}  # nobody has patrolled this morning


async def test_a_missed_routine_is_announced_once(services: Services) -> None:
    """Yesterday only grid A was patrolled: each other grid's miss is announced once,
    however often and by however many replicas it is looked for."""
    clock = ManualClock(MORNING - timedelta(days=1))
    first = new_patrols(services, clock)
    worker = Actor("worker of A", grids=GridScope((GRID_A,)), id="key:a")
    done = await first.start(GRID_A, RoutineCode.DAILY, worker)
    clock.advance(timedelta(hours=2))
    await first.end(done.id, worker)
    clock.set(MORNING)
    other_replica = new_patrols(services, clock)
    grids = services.registry.snapshot.codes_by_level[RegionLevel.GRID]
    # Yesterday was a Sunday: last week's 排查 is owed too, and no grid did it. (The
    # app's own timers, on the real clock, may announce some of them first.)
    assert 0 < await first.raise_missed() <= (len(grids) - 1) + len(grids)
    assert await first.raise_missed() == 0
    assert await other_replica.raise_missed() == 0

    yesterday = datetime(2026, 11, 22, tzinfo=CST)  # the period's start
    missed = await missed_in(services, "DAILY", yesterday)
    assert missed == set(grids) - {GRID_A}
    assert await missed_in(services, "WEEKLY", yesterday - timedelta(days=6)) == set(grids)
    notices = await _notices_of(services, yesterday, len(grids) - 1)
    assert sorted(n.gridid for n in notices) == sorted(missed)  # one each, none twice
    notice = notices[0].payload(NoticeIssued)
    assert (notice.department, notice.rule) == ("command", "patrol.daily")
    assert "每日一巡未完成" in notice.title


def new_patrols(services: Services, clock: ManualClock) -> Patrols:
    own = services.patrols
    return Patrols(own.database, own.registry, own.topics, own.routines, clock)


async def _notices_of(services: Services, day: datetime, count: int) -> list[CloudEvent]:
    topic = services.bus.topics.dispatch("command")
    await services.bus.relay.drain()  # everything enqueued is on the topic

    def patrol_notices(records: list[Record]) -> list[CloudEvent]:
        events = [CloudEvent.from_record(r) for r in records]
        return [
            e
            for e in events
            if e.type == DispatchType.NOTICE
            and e.payload(NoticeIssued).rule == "patrol.daily"
            and f"{day:%Y-%m-%d}" in e.payload(NoticeIssued).message
        ]

    records = await collect(
        services.bus.backend, topic, lambda found: len(patrol_notices(found)) >= count
    )
    return patrol_notices(records)


async def test_a_subscriber_hears_of_each_miss_in_their_grids(
    app: Starlette, services: Services, keys: dict[str, str]
) -> None:
    """The command centre hears of every grid's miss; a grid worker of their grid's only."""
    clock = ManualClock(MORNING - timedelta(days=1))
    finder = new_patrols(services, clock)
    walk = await finder.start(GRID_B, RoutineCode.DAILY, worker_of_b())
    await finder.end(walk.id, worker_of_b())
    schema = app.state.schema
    heard: dict[str, list[dict[str, str]]] = {"command": [], "grid_worker": []}
    listeners = [
        asyncio.create_task(_listen(schema, services, keys[who], heard[who])) for who in heard
    ]
    await asyncio.sleep(1)  # both subscribed
    clock.set(MORNING)
    await finder.raise_missed()
    grids = len(services.registry.snapshot.codes_by_level[RegionLevel.GRID])
    async with asyncio.timeout(30):
        while len(heard["command"]) < grids - 1 or not heard["grid_worker"]:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    for listener in listeners:
        listener.cancel()
    assert {m["grid"] for m in heard["command"]} == set(
        services.registry.snapshot.codes_by_level[RegionLevel.GRID]
    ) - {GRID_B}
    assert [(m["grid"], m["routine"]) for m in heard["grid_worker"]] == [(GRID_A, "DAILY")]


def worker_of_b() -> Actor:
    return Actor("worker of B", grids=GridScope((GRID_B,)), id="key:b")


async def _listen(schema: Any, services: Services, key: str, heard: list[dict[str, str]]) -> None:
    query = 'subscription { patrolMissed(region: "330199") { grid routine periodStart } }'
    stream = await schema.subscribe(query, context_value=await context_for(services, key))
    async for result in stream:
        assert not result.errors, result.errors
        miss = result.data["patrolMissed"]
        if datetime.fromisoformat(miss["periodStart"]) == datetime(2026, 11, 22, tzinfo=CST):
            heard.append(miss)


async def test_misses_of_periods_ended_while_nobody_looked_are_still_announced(
    services: Services,
) -> None:
    """A hub down from Tuesday to Friday morning finds Tuesday's, Wednesday's and
    Thursday's misses when it looks again."""
    tuesday = datetime(2026, 11, 24, 9, tzinfo=CST)
    clock = ManualClock(tuesday)
    finder = new_patrols(services, clock)
    walk = await finder.start(GRID_A, RoutineCode.DAILY, worker_of_a())
    await finder.end(walk.id, worker_of_a())
    clock.set(tuesday + timedelta(days=3))
    await finder.raise_missed()
    assert await finder.raise_missed() == 0
    grids = set(services.registry.snapshot.codes_by_level[RegionLevel.GRID])
    day = datetime(2026, 11, 24, tzinfo=CST)
    assert await missed_in(services, "DAILY", day) == grids - {GRID_A}
    for later in (day + timedelta(days=1), day + timedelta(days=2)):
        assert await missed_in(services, "DAILY", later) == grids


def worker_of_a() -> Actor:
    return Actor("worker of A", grids=GridScope((GRID_A,)), id="key:a")
