"""Reading and writing patrols, in the caller's connection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.patrol_models import CheckInRow, PatrolEventRow, PatrolMissRow, PatrolRow
from hub.db.types import under
from hub.db.upsert import insert_missing
from hub.patrols.coverage import CheckIn, Patrol

PATROLS = cast("Table", PatrolRow.__table__)
CHECK_INS = cast("Table", CheckInRow.__table__)
EVENTS = cast("Table", PatrolEventRow.__table__)
MISSES = cast("Table", PatrolMissRow.__table__)


async def add(connection: AsyncConnection, patrol: Patrol) -> None:
    await connection.execute(
        insert(PATROLS).values(
            id=patrol.id,
            grid_code=patrol.grid,
            routine=patrol.routine,
            worker=patrol.worker,
            worker_name=patrol.worker_name,
            started_at=patrol.started_at,
            ended_at=patrol.ended_at,
        )
    )


async def add_check_in(connection: AsyncConnection, patrol_id: str, check_in: CheckIn) -> None:
    await connection.execute(
        insert(CHECK_INS).values(
            patrol_id=patrol_id,
            at=check_in.at,
            lat=check_in.lat,
            lon=check_in.lon,
            micro_grid_code=check_in.micro_grid,
        )
    )


async def add_event(connection: AsyncConnection, patrol_id: str, event_id: str) -> None:
    await insert_missing(connection, EVENTS, [{"patrol_id": patrol_id, "event_id": event_id}])


async def end(connection: AsyncConnection, patrol_id: str, at: datetime) -> None:
    await connection.execute(update(PATROLS).where(PATROLS.c.id == patrol_id).values(ended_at=at))


async def add_miss(connection: AsyncConnection, row: dict[str, Any]) -> bool:
    """Whether this miss is new (another finder may have written it first)."""
    return await insert_missing(connection, MISSES, [row]) == 1


async def first_started(connection: AsyncConnection) -> datetime | None:
    started_at: datetime | None = await connection.scalar(select(func.min(PATROLS.c.started_at)))
    return started_at


async def one(connection: AsyncConnection, patrol_id: str) -> Patrol | None:
    found = await started(connection, (), None, None, ids=(patrol_id,))
    return found[0] if found else None


async def started(
    connection: AsyncConnection,
    grids: Collection[str],
    since: datetime | None,
    until: datetime | None,
    *,
    ids: Sequence[str] = (),
) -> list[Patrol]:
    """Patrols of ``grids`` started in [since, until) (or those of ``ids``), whole."""
    query = select(PATROLS).order_by(PATROLS.c.started_at)
    if ids:
        query = query.where(PATROLS.c.id.in_(ids))
    else:
        query = query.where(PATROLS.c.grid_code.in_(list(grids)))
        if since is not None:
            query = query.where(PATROLS.c.started_at >= since)
        if until is not None:
            query = query.where(PATROLS.c.started_at < until)
    rows = (await connection.execute(query)).all()
    found = [r.id for r in rows]
    check_ins, events = await _check_ins(connection, found), await _events(connection, found)
    return [
        Patrol(
            id=r.id,
            grid=r.grid_code,
            routine=r.routine,
            worker=r.worker,
            worker_name=r.worker_name,
            started_at=r.started_at,
            ended_at=r.ended_at,
            check_ins=tuple(check_ins[r.id]),
            events=tuple(events[r.id]),
        )
        for r in rows
    ]


async def _check_ins(connection: AsyncConnection, ids: list[str]) -> dict[str, list[CheckIn]]:
    found: dict[str, list[CheckIn]] = defaultdict(list)
    query = select(CHECK_INS).where(CHECK_INS.c.patrol_id.in_(ids)).order_by(CHECK_INS.c.id)
    for row in (await connection.execute(query)).all() if ids else ():
        found[row.patrol_id].append(CheckIn(row.at, row.lat, row.lon, row.micro_grid_code))
    return found


async def _events(connection: AsyncConnection, ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    query = select(EVENTS).where(EVENTS.c.patrol_id.in_(ids)).order_by(EVENTS.c.event_id)
    for row in (await connection.execute(query)).all() if ids else ():
        found[row.patrol_id].append(row.event_id)
    return found


async def announced(
    connection: AsyncConnection, starts: Sequence[datetime]
) -> set[tuple[str, str, datetime]]:
    """The (grid, routine, period start) of the misses written for periods starting at
    any of ``starts``."""
    if not starts:
        return set()
    query = select(MISSES.c.grid_code, MISSES.c.routine, MISSES.c.period_start).where(
        MISSES.c.period_start.in_(list(set(starts)))
    )
    return {(r.grid_code, r.routine, r.period_start) for r in await connection.execute(query)}


async def last_miss(connection: AsyncConnection) -> int:
    """The ``seq`` of the newest miss written; 0 before any."""
    return int(await connection.scalar(select(func.max(MISSES.c.seq))) or 0)


async def misses_after(connection: AsyncConnection, seq: int, region: str) -> list[dict[str, Any]]:
    """Misses written after ``seq`` in the grids under ``region``, in order."""
    query = (
        select(MISSES)
        .where(MISSES.c.seq > seq, under(MISSES.c.grid_code, [region]))
        .order_by(MISSES.c.seq)
    )
    return [dict(row._mapping) for row in await connection.execute(query)]
