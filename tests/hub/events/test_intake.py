"""Reporting: checked, placed in its grid, ledger and outbox in one transaction."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select, text

from hub.core.errors import OutsideGridsError, ReportRejectedError
from hub.core.workorders import LifecycleStatus
from hub.db.bus_models import GridEventRow, OutboxRow, TimelineRow
from hub.events import Channel, Severity
from tests.conftest import TownBus
from tests.support.events import OUTSIDE, outbox_events, report


async def counts(town: TownBus) -> tuple[int, int, int]:
    async with town.env.database.engine.connect() as connection:
        found = [
            int(await connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in (GridEventRow, TimelineRow, OutboxRow)
        ]
    return found[0], found[1], found[2]


async def test_a_report_is_in_the_ledger_and_the_outbox(town_bus: TownBus) -> None:
    record = await town_bus.bus.intake.report(report("city.litter", address="3栋2单元501"))
    assert (record.grid_code, record.micro_grid_code) == ("330199001006005", record.micro_grid_code)
    assert record.micro_grid_code is not None
    assert record.micro_grid_code.startswith(record.grid_code)
    assert (record.status, record.severity, record.title) == (
        LifecycleStatus.REPORTED,
        Severity.LOW,
        "暴露垃圾",
    )
    assert record.address == "3栋2单元501"
    assert await counts(town_bus) == (1, 1, 1)
    (event,) = await outbox_events(town_bus.env.database)
    assert (event.id, event.subject, event.gridid) == (record.id, record.id, record.grid_code)
    assert json.loads(event.data)["reporter"] == {"name": "张三", "phone": "13800000000"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"category": "city"}, "category", "'city' is not a category one can report"),
        ({"category": "no.such"}, "category", "'no.such' is not a category"),
        ({"category": "dispute.mediation"}, "category", "opened by routing rules only"),
        ({"description": "x" * 2001}, "description", "at most 2000 characters"),
        ({"photos": ("not a url",)}, "photos.0", "URL"),
        (
            {"photos": tuple(f"https://img.example/{i}.jpg" for i in range(10))},
            "photos",
            "at most 9",
        ),
    ],
)
async def test_a_bad_report_is_refused_and_nothing_is_written(
    town_bus: TownBus, changes: dict[str, object], field: str, message: str
) -> None:
    fields = {"category": "city.litter", **changes}
    with pytest.raises(ReportRejectedError, match=message) as caught:
        await town_bus.bus.intake.report(report(**fields))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert await counts(town_bus) == (0, 0, 0)


async def test_a_point_outside_every_grid_is_refused(town_bus: TownBus) -> None:
    with pytest.raises(OutsideGridsError, match="outside every grid"):
        await town_bus.bus.intake.report(report(at=OUTSIDE))
    assert await counts(town_bus) == (0, 0, 0)


async def test_reports_arriving_together_share_a_transaction(town_bus: TownBus) -> None:
    commits = 0
    engine = town_bus.env.database.engine.sync_engine

    def count_commit(*_: object) -> None:
        nonlocal commits
        commits += 1

    from sqlalchemy import event  # noqa: PLC0415

    event.listen(engine, "commit", count_commit)
    try:
        records = await asyncio.gather(
            *(
                town_bus.bus.intake.report(report("city.litter", channel=Channel.HOTLINE))
                for _ in range(40)
            )
        )
    finally:
        event.remove(engine, "commit", count_commit)
    assert len({r.id for r in records}) == 40
    assert await counts(town_bus) == (40, 40, 40)
    assert commits < 10  # one for the first, then one per batch that waited for it


async def test_a_failed_transaction_fails_every_report_in_it(town_bus: TownBus) -> None:
    async with town_bus.env.database.engine.begin() as connection:
        await connection.execute(text("DROP TABLE outbox"))
    with pytest.raises(Exception, match="outbox"):
        await town_bus.bus.intake.report(report("city.litter"))
    async with town_bus.env.database.engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(GridEventRow)) == 0


async def test_a_reporter_who_gives_up_leaves_the_others_written(town_bus: TownBus) -> None:
    intake = town_bus.bus.intake
    first = asyncio.create_task(intake.report(report("city.litter")))
    await asyncio.sleep(0)  # the writer has taken the first report's batch
    waiting = [asyncio.create_task(intake.report(report("city.litter"))) for _ in range(3)]
    await asyncio.sleep(0)
    waiting[0].cancel()  # a request cut off while its batch is being written
    others = await asyncio.wait_for(asyncio.gather(first, *waiting[1:]), timeout=10)
    assert len({r.id for r in others}) == 3
    assert await counts(town_bus) == (4, 4, 4)  # the cancelled report was written all the same
    await intake.report(report("city.litter"))  # and the writer still writes
