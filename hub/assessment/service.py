"""积分考核: a month's points per worker over a region's grids, ranked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hub.assessment.inputs import month_counts
from hub.assessment.points import Assessment, assess
from hub.assessment.ranking import Ranked, rank
from hub.assessment.rules import PointsRules
from hub.core.codes import RegionLevel
from hub.db.engine import Database
from hub.patrols import Patrols


class Assessments:
    def __init__(self, database: Database, patrols: Patrols, rules: PointsRules) -> None:
        self.database = database
        self.patrols = patrols
        self.rules = rules

    async def month(self, grids: Sequence[str], month: date) -> list[Assessment]:
        """Every worker with something counted in ``month`` over ``grids``."""
        async with self.database.engine.connect() as connection:
            counted = await month_counts(connection, self.patrols, month, grids)
        return [
            assess(worker, tuple(sorted(found.grids)), found.counts, self.rules)
            for worker, found in sorted(counted.items())
        ]

    async def ranked(self, grids: Sequence[str], month: date, level: RegionLevel) -> list[Ranked]:
        return rank(await self.month(grids, month), level)
