"""Lifecycle steps through the projection, and the statistics they give, by hand.

The town (CST dates): E1 and E2 in grid G1, E3 in G2 (same community), E4 in G3
(another community). E3 is reported at 01:00 CST on Monday 2 November, which is
still Sunday in UTC: it counts in the week of the 2nd.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from hub.db.engine import Database
from hub.events import Channel, Disposition, Projection
from hub.stats import (
    GroupBy,
    Period,
    Statistics,
    StatsRequest,
    rebuild,
    report,
    store,
    worker_report,
)
from hub.stats.histogram import RELATIVE_ERROR
from tests.support.lifecycle import Story, hours

COMMUNITY = "330199001001"
G1, G2, G3 = "330199001001001", "330199001001002", "330199001002001"
T0 = datetime(2026, 11, 2, 1, tzinfo=UTC)  # Monday 09:00 CST
NOW = datetime(2026, 12, 15, 2, tzinfo=UTC)  # when the figures are asked for


def town() -> list[Story]:
    e1 = Story(G1, "municipal.manhole_cover")
    e1.reported(T0, actor="worker:a")
    e1.routed(T0 + hours(0.1), "command", T0 + hours(8), Disposition.IN_GRID)
    e1.resolved(T0 + hours(4)).verified(T0 + hours(6), True, actor="worker:a")
    e1.rated(T0 + hours(7), 5).closed(T0 + hours(7))
    e2 = Story(G1, "city.litter", channel=Channel.HOTLINE)
    t2 = T0 + hours(1)
    e2.reported(t2).routed(t2 + hours(0.1), "citymgmt", t2 + hours(24), Disposition.SINGLE)
    e2.accepted(t2 + hours(0.2), "citymgmt").escalated(t2 + hours(25), 2)
    e2.resolved(t2 + hours(48)).verified(t2 + hours(49), False, actor="worker:a")
    e2.resolved(t2 + hours(72)).verified(t2 + hours(98), True, actor="worker:a")
    e2.rated(t2 + hours(99), 2).closed(t2 + hours(99))
    e3 = Story(G2, "municipal.manhole_cover")
    e3.reported(T0 - hours(8), actor="worker:b").merged(T0 - hours(7), into=e1.event_id)
    e4 = Story(G3, "city.litter")
    t4 = datetime(2026, 11, 10, 3, tzinfo=UTC)
    e4.reported(t4, actor="worker:c").routed(t4, "citymgmt", t4 + hours(24), Disposition.SINGLE)
    return [e1, e2, e3, e4]


async def feed(database: Database, stories: list[Story], batch: int = 3) -> None:
    """The steps in time order, a few at a time, each batch twice (a redelivery)."""
    events = sorted((e for s in stories for e in s.events), key=lambda e: e.time)
    projection = Projection(database, statistics=Statistics())
    for start in range(0, len(events), batch):
        await projection.apply(events[start : start + batch])
        await projection.apply(events[start : start + batch])


def request(period: Period, group_by: GroupBy, within: str = COMMUNITY) -> StatsRequest:
    return StatsRequest(period, date(2026, 11, 2), date(2026, 11, 8), group_by, (within,), NOW)


async def test_a_week_by_grid_matches_the_hand_count(database: Database) -> None:
    await feed(database, town())
    async with database.engine.connect() as connection:
        found = await report(connection, request(Period.WEEK, GroupBy.GRID))
    rows = {row.group: row for row in found.rows}
    assert set(rows) == {G1, G2}
    g1, g2 = rows[G1], rows[G2]
    assert (g1.start, g1.end) == (date(2026, 11, 2), date(2026, 11, 8))
    assert (g1.reported, g1.closed, g1.merged, g1.open) == (2, 2, 0, 0)
    assert g1.on_time_rate == 0.5  # E1 resolved within its deadline, E2 not
    assert g1.mean_handling_hours == pytest.approx((4 + 72) / 2)
    assert g1.p90_handling_hours is not None
    assert abs(g1.p90_handling_hours - 72) / 72 <= RELATIVE_ERROR
    assert g1.escalations == 1
    assert g1.verifications == 3
    assert g1.verification_pass_rate == pytest.approx(2 / 3)
    assert (g1.ratings, g1.mean_satisfaction) == (2, 3.5)
    assert g1.in_grid_share == 0.5
    assert (g2.reported, g2.closed, g2.merged, g2.open) == (1, 0, 1, 0)
    (total,) = found.totals
    assert (total.reported, total.closed, total.merged, total.open) == (3, 2, 1, 0)


async def test_open_events_carry_over_and_regions_sum_their_grids(database: Database) -> None:
    await feed(database, town())
    district = StatsRequest(
        Period.MONTH, date(2026, 11, 1), date(2026, 12, 31), GroupBy.DEPARTMENT, ("330199",), NOW
    )
    async with database.engine.connect() as connection:
        found = await report(connection, district)
    november, december = found.totals
    assert (november.reported, november.closed, november.merged, november.open) == (4, 2, 1, 1)
    assert (december.reported, december.open) == (0, 1)  # E4 is still open
    by_department = {(r.start, r.group): r for r in found.rows}
    assert by_department[date(2026, 11, 1), "citymgmt"].reported == 2
    assert by_department[date(2026, 12, 1), "citymgmt"].open == 1
    assert by_department[date(2026, 11, 1), "command"].in_grid_share == 1.0


def late_town() -> list[Story]:
    """The town, and three more of citymgmt's events in G1 in late November:
    E5 resolved late and still waiting for its check, E6 open and not due until
    December, E7 accepted by nobody and open past its deadline."""
    t = datetime(2026, 11, 20, 1, tzinfo=UTC)
    e5 = Story(G1, "city.litter")
    e5.reported(t).routed(t, "citymgmt", t + hours(4), Disposition.SINGLE).resolved(t + hours(9))
    e6 = Story(G1, "city.billboard")
    e6.reported(t).routed(t, "citymgmt", datetime(2026, 12, 20, tzinfo=UTC), Disposition.SINGLE)
    e7 = Story(G1, "city.muck_spill")
    e7.reported(t).routed(t, "citymgmt", t + hours(4), Disposition.SINGLE)
    return [*town(), e5, e6, e7]


@pytest.mark.parametrize(
    ("now", "month", "department", "expected"),
    [
        # November, asked on 15 December. Closures with a deadline: E1 (resolved 4 h into
        # 8, on time) and E2 (resolved at 72 h of 24, late). Unresolved past the deadline
        # at the end of November: E4 (due 11 Nov) and E7 (due 20 Nov). E3 was merged, E5
        # is resolved (late, but it counts when it closes), E6 is not yet due.
        # On time: 1 of 2 + 2 = 0.25.
        (NOW, 11, None, 1 / 4),
        # Asked on 10 November at noon: E4's deadline (11 Nov) and E7's (20 Nov) are
        # ahead, so only the two closures count: 1 of 2.
        (datetime(2026, 11, 10, 4, tzinfo=UTC), 11, None, 1 / 2),
        # citymgmt alone: E2 late, E4 and E7 overdue, nothing on time: 0 of 3.
        (NOW, 11, "citymgmt", 0.0),
        # December, asked on the 15th: no closures; E4 and E7 are still overdue, E6 (due
        # the 20th) is not yet: 0 of 2.
        (NOW, 12, None, 0.0),
    ],
)
async def test_the_on_time_rate_counts_what_is_late_closed_or_not(
    database: Database, now: datetime, month: int, department: str | None, expected: float
) -> None:
    await feed(database, late_town())
    first = date(2026, month, 1)
    asked = StatsRequest(Period.MONTH, first, first, GroupBy.DEPARTMENT, ("330199",), now)
    async with database.engine.connect() as connection:
        found = await report(connection, asked)
    if department is None:
        (figures,) = found.totals
    else:
        (figures,) = [r for r in found.rows if r.group == department]
    assert figures.on_time_rate == pytest.approx(expected)


async def test_days_follow_china_standard_time(database: Database) -> None:
    await feed(database, town())
    async with database.engine.connect() as connection:
        found = await report(connection, request(Period.DAY, GroupBy.CATEGORY))
    monday = [r for r in found.rows if r.start == date(2026, 11, 2)]
    assert {r.group: r.reported for r in monday} == {
        "municipal.manhole_cover": 2,
        "city.litter": 1,
    }
    sunday = [r for r in found.totals if r.start == date(2026, 11, 1)]
    assert sunday == []  # the request starts on the 2nd


async def test_grid_workers_reports_and_verifications(database: Database) -> None:
    await feed(database, town())
    async with database.engine.connect() as connection:
        found = await worker_report(
            connection, Period.MONTH, date(2026, 11, 1), date(2026, 11, 30), ("330199",)
        )
    workers = {row.worker: row for row in found}
    a, b, c = workers["worker:a"], workers["worker:b"], workers["worker:c"]
    assert (a.reports, a.valid_reports, a.valid_rate) == (1, 1, 1.0)
    assert (a.verifications, a.verifications_in_time) == (3, 2)  # 2 h, 1 h, then 26 h
    assert a.mean_verification_hours == pytest.approx((2 + 1 + 26) / 3)
    # B's report was merged into A's earlier one: a duplicate, not an invalid report.
    assert (b.reports, b.valid_reports, b.duplicate_reports, b.invalid_reports) == (1, 0, 1, 0)
    assert (a.duplicate_reports, a.invalid_reports) == (0, 0)  # the first reporter has the case
    assert (a.grids, b.grids) == ((G1,), (G2,))
    assert (c.reports, c.valid_reports, c.verifications) == (1, 1, 0)


async def test_rebuilt_rollups_equal_the_incremental_ones(database: Database) -> None:
    await feed(database, town(), batch=1)
    incremental = await _all_cells(database)
    assert incremental
    assert await rebuild(database) == 4
    assert await _all_cells(database) == incremental


async def test_a_scope_outside_every_grid_is_empty(database: Database) -> None:
    await feed(database, town())
    async with database.engine.connect() as connection:
        found = await report(connection, request(Period.WEEK, GroupBy.GRID, "330199009"))
    assert found.rows == []
    assert [t.reported for t in found.totals] == [0]


async def _all_cells(database: Database) -> dict[str, list[tuple[object, ...]]]:
    found = {}
    async with database.engine.connect() as connection:
        for layout in (store.STATS, store.WORKERS):
            table = layout.table
            rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
            found[table.name] = [tuple(row) for row in rows]
        count = await connection.scalar(select(func.count()).select_from(store.EVENTS))
    found["events"] = [(count,)]
    return found
