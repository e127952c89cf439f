"""积分考核 for a month built by hand: every line equals the hand count, and says why.

Grid G1's first registry worker W, in November 2026 (China Standard Time):
- reports R1 (routed: valid, and later rated 5) and R2 (merged into R1: a duplicate);
- verifies R1 two hours after its resolution (in time) and a hotline event H a working
  day and two hours after its resolution (late);
- patrols G1 on 2 November 09:00–10:30 (daily routine done) and on 3 November
  17:00–19:00 (late: due at 18:00), and never again: 27 days, 5 weeks (those starting
  in November) and the month missed, 33 misses, capped at −30 points.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from hub.assessment import Assessments, PointsRule, PointsRules, Source, assess, rank
from hub.bus import Topics
from hub.config import Settings
from hub.core.clock import ManualClock
from hub.core.codes import RegionLevel
from hub.core.paths import PATROL_ROUTINES_FILE, POINTS_RULES_FILE
from hub.db.engine import Database
from hub.events import Channel, Disposition, Projection
from hub.events.steps import Actor
from hub.patrols import Patrols, RoutineCode, Routines
from hub.registry.service import Registry
from hub.security.principal import GridScope
from hub.stats import Statistics
from hub.stats.people import registry_worker_id
from hub.stats.periods import CST
from tests.support.lifecycle import Story, hours

G1 = "330199001001001"
W = registry_worker_id(G1, 0)
T0 = datetime(2026, 11, 2, 1, tzinfo=UTC)  # Monday 09:00 CST
RULES = PointsRules.load(POINTS_RULES_FILE)
HAND_COUNT = {  # rule: (count, points)
    "valid_report": (1, 2),
    "duplicate_report": (1, 0),
    "invalid_report": (0, 0),
    "verification_in_time": (1, 1.5),
    "verification_late": (1, -0.5),
    "patrol_done": (1, 1),
    "patrol_late": (1, 0.5),
    "patrol_missed": (33, -30),
    "patrol_hours": (3.5, 1.75),
    "good_rating": (1, 1),
    "poor_rating": (0, 0),
}


def november() -> list[Story]:
    r1 = Story(G1, "municipal.manhole_cover")
    r1.reported(T0, actor=W).routed(T0 + hours(0.1), "command", T0 + hours(8), Disposition.IN_GRID)
    r1.resolved(T0 + hours(4)).verified(T0 + hours(6), True, actor=W)
    r1.rated(T0 + hours(7), 5).closed(T0 + hours(7))
    r2 = Story(G1, "municipal.manhole_cover")
    r2.reported(T0 + hours(1), actor=W).merged(T0 + hours(2), into=r1.event_id)
    h = Story(G1, "city.litter", channel=Channel.HOTLINE)
    t = T0 + hours(72)  # Thursday 09:00 CST
    h.reported(t).routed(t + hours(0.1), "citymgmt", t + hours(24), Disposition.SINGLE)
    h.resolved(t + hours(1)).verified(t + hours(27), True, actor=W)  # Friday 12:00
    return [r1, r2, h]


async def feed(database: Database, stories: list[Story]) -> None:
    events = sorted((e for s in stories for e in s.events), key=lambda e: e.time)
    await Projection(database, statistics=Statistics()).apply(events)


async def patrol(patrols: Patrols, clock: ManualClock, start: datetime, length: float) -> None:
    worker = Actor("网格员", grids=GridScope((G1,)), id=W)
    clock.set(start)
    walk = await patrols.start(G1, RoutineCode.DAILY, worker)
    clock.advance(timedelta(hours=length))
    await patrols.end(walk.id, worker)


@pytest.fixture
async def assessments(town_settings: Settings) -> AsyncIterator[Assessments]:
    database = Database(town_settings.database_url)
    registry = Registry(database)
    await registry.refresh()
    clock = ManualClock(datetime(2026, 11, 1, tzinfo=CST))
    patrols = Patrols(database, registry, Topics(), Routines.load(PATROL_ROUTINES_FILE), clock)
    await feed(database, november())
    await patrol(patrols, clock, datetime(2026, 11, 2, 9, tzinfo=CST), 1.5)
    await patrol(patrols, clock, datetime(2026, 11, 3, 17, tzinfo=CST), 2)
    clock.set(datetime(2026, 12, 15, 10, tzinfo=CST))  # every November period has ended
    yield Assessments(database, patrols, RULES)
    await database.aclose()


async def test_a_hand_built_month_matches_the_hand_count(assessments: Assessments) -> None:
    found = {a.worker: a for a in await assessments.month([G1], date(2026, 11, 1))}
    lines = {line.rule: line for line in found[W].lines}
    assert {rule: (line.count, line.points) for rule, line in lines.items()} == HAND_COUNT
    assert found[W].points == sum(points for _, points in HAND_COUNT.values()) == -22.75
    assert lines["valid_report"].why == "有效上报 1件 × 2分 = 2分"
    assert lines["patrol_missed"].why == "巡查缺失 33次 × -3分 = -99分，计-30分 (上限)"
    assert lines["patrol_missed"].capped
    assert not lines["patrol_done"].capped
    assert found[W].grids == (G1,)


async def test_every_worker_planned_for_a_grid_answers_for_its_misses(
    assessments: Assessments,
) -> None:
    workers = assessments.patrols.registry.snapshot.workers[G1]
    found = {a.worker: a for a in await assessments.month([G1], date(2026, 11, 1))}
    others = [registry_worker_id(G1, n) for n in range(1, len(workers))]
    for other in others:
        lines = {line.rule: line for line in found[other].lines}
        assert (lines["patrol_missed"].count, lines["patrol_done"].count) == (33, 0)


async def test_rankings_put_the_most_points_first_and_share_a_rank_on_a_tie() -> None:
    counts = {"a": {Source.VALID_REPORTS: 10}, "b": {Source.VALID_REPORTS: 3}}
    counts["c"] = counts["b"]
    found = [assess(w, (G1,), c, RULES) for w, c in counts.items()]
    found.append(assess("d", ("330199001002001",), {}, RULES))  # another community
    by_community = rank(found, RegionLevel.COMMUNITY)
    assert [(r.assessment.worker, r.group, r.rank) for r in by_community] == [
        ("a", "330199001001", 1),
        ("b", "330199001001", 2),
        ("c", "330199001001", 2),
        ("d", "330199001002", 1),
    ]
    assert [r.rank for r in rank(found, RegionLevel.STREET)] == [1, 2, 2, 4]


def test_rules_are_checked_when_loaded() -> None:
    with pytest.raises(ValueError, match="cap"):
        PointsRule(code="x", title="x", source=Source.VALID_REPORTS, unit="件", points=2, cap=-5)
    twice = RULES.rules[0].model_dump()
    with pytest.raises(ValueError, match="listed twice"):
        PointsRules.model_validate({"rules": [twice, twice]})
    with pytest.raises(ValueError, match="source"):
        PointsRule.model_validate({**twice, "source": "reports.imagined"})
