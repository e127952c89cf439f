"""Reading what the patrols recorded, for the patrol tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from hub.db.patrol_models import PatrolMissRow
from hub.services import Services


async def missed_in(services: Services, routine: str, start: datetime) -> set[str]:
    """The grids whose ``routine`` is recorded missed in the period starting at ``start``."""
    async with services.database.engine.connect() as connection:
        rows = (await connection.execute(select(PatrolMissRow.__table__))).all()
    return {r.grid_code for r in rows if r.period_start == start and r.routine == routine}
