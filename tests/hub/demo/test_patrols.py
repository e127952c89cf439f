"""The demo's grid workers on patrol: a day on the demo's clock leaves patrols done,
late and missed, each grid's coverage answered, and each miss announced."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from starlette.applications import Starlette

from hub.core.clock import ManualClock
from hub.demo.patrols import DemoPatrols
from hub.patrols import PatrolStatus, RoutineCode
from hub.services import Services
from hub.stats.periods import CST
from tests.support.patrols import missed_in

MONDAY = datetime(2026, 11, 23, 0, 30, tzinfo=CST)


async def test_a_demo_day_of_patrols(app: Starlette) -> None:
    services: Services = app.state.services
    clock = ManualClock(MONDAY)
    services.patrols.clock = clock
    walkers = DemoPatrols(services.patrols, services.bus.intake)
    while clock.now() < MONDAY + timedelta(days=1):
        await walkers.round()
        clock.advance(timedelta(minutes=10))
    grids = sorted({grid for grid, _ in services.patrols.plans()})
    found = await services.patrols.coverage(grids, [RoutineCode.DAILY], MONDAY)
    statuses = Counter(c.status for c in found)
    assert len(found) == len(grids)
    assert statuses.keys() == {PatrolStatus.DONE, PatrolStatus.LATE, PatrolStatus.MISSED}
    assert statuses[PatrolStatus.DONE] > statuses[PatrolStatus.LATE]
    walked = [p for c in found for p in c.patrols]
    assert all(p.ended_at is not None and p.check_ins for p in walked)
    assert any(p.events for p in walked)  # now and then a patrol reports what it found
    assert sum(len(c.unreached) for c in found if c.patrols) > 0  # a point passed by
    await services.patrols.raise_missed()  # the app's own timers may have been first
    missed = {c.plan.grid for c in found if c.status is PatrolStatus.MISSED}
    assert await missed_in(services, "DAILY", MONDAY.replace(hour=0, minute=0)) == missed
