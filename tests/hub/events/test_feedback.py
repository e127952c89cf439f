"""Replies owed to reporters go to the department whose connector calls them back."""

from __future__ import annotations

from hub.core.workorders import LifecycleStatus
from hub.events import GridEventType, Projection
from tests.conftest import TownBus
from tests.support.events import lifecycle_step, report, routed_step


async def replies(town: TownBus, replies_by: str | None) -> list[str]:
    database, topics = town.env.database, town.env.topics
    record = await town.bus.intake.report(report("city.litter", reporter_phone="13900000000"))
    resolved = lifecycle_step(
        GridEventType.RESOLVED, record, LifecycleStatus.RESOLVED, department="citymgmt"
    )
    projection = Projection(database, topics, replies_by=replies_by)
    await projection.apply([routed_step(record), resolved])
    return [m.topic for m in await projection.consequences([resolved], topics)]


async def test_a_reply_goes_to_the_department_that_calls_back(embedded_town_bus: TownBus) -> None:
    topics = embedded_town_bus.env.topics
    assert await replies(embedded_town_bus, "water") == [topics.dispatch("water")]


async def test_with_no_such_department_no_reply_is_sent(embedded_town_bus: TownBus) -> None:
    assert await replies(embedded_town_bus, None) == []
