"""The crosswalk as the running hub sees it: stored tables plus an in-memory index.

Each replica keeps its own index and rebuilds it when the crosswalk revision (the id
of the newest scheme import) moves, as the registry's spatial index does.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from typing import Any

from hub.crosswalk import store
from hub.crosswalk.entries import ApproximatePlacement, CrosswalkEntry, DepartmentGridShape
from hub.crosswalk.importer import SchemeImportResult, import_scheme
from hub.crosswalk.index import CrosswalkIndex
from hub.db.engine import Database
from hub.db.polling import keep_refreshed

log = logging.getLogger(__name__)


class Crosswalk:
    """What connectors ask: in which of its own grids a department should look for a set
    of unified grids, and in which unified grid a department grid's records belong."""

    def __init__(self, database: Database, departments: Collection[str]) -> None:
        self.database = database
        self.departments = frozenset(departments)
        self.index = CrosswalkIndex.empty()

    @property
    def revision(self) -> int:
        return self.index.revision

    def department_codes(self, department: str, region_codes: Iterable[str]) -> list[str]:
        return self.index.department_codes(department, region_codes)

    def grids_of(self, department: str, department_code: str) -> list[CrosswalkEntry]:
        return self.index.grids_of(department, department_code)

    def best_grid(self, department: str, department_code: str) -> ApproximatePlacement | None:
        return self.index.best_grid(department, department_code)

    def entries_for_grid(
        self, grid_code: str, department: str | None = None
    ) -> list[CrosswalkEntry]:
        return self.index.entries_for_grid(grid_code, department)

    async def shapes(
        self, department: str, region_codes: Iterable[str]
    ) -> list[DepartmentGridShape]:
        """The department's grids overlapping these regions, with their outlines: a map's
        layer of 警格 or 单元网格 over the unified grids."""
        codes = self.department_codes(department, region_codes)
        if not codes:
            return []
        async with self.database.session() as session:
            return await store.shapes(session, department, codes)

    async def refresh(self) -> bool:
        """Rebuild the index if a scheme was imported since; True when it was."""
        async with self.database.session() as session:
            revision = await store.revision(session)
            if revision == self.index.revision:
                return False
            entries = await store.entries(session)
        self.index = CrosswalkIndex(entries, revision)
        log.info("crosswalk index rebuilt", extra={"revision": revision, "entries": len(entries)})
        return True

    async def import_scheme(
        self, department: str, document: Any, source: str
    ) -> SchemeImportResult:
        result = await import_scheme(self.database, department, document, source, self.departments)
        await self.refresh()
        return result

    async def watch(self, interval: float) -> None:
        """Poll for imports made elsewhere; runs until cancelled."""
        await keep_refreshed(self.refresh, interval, "crosswalk")
