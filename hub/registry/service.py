"""The registry as the running hub sees it: stored tables, and in memory a snapshot of
them with a spatial index.

Each replica keeps its own and rebuilds both when the registry revision (the id of the
newest import) moves, so an import on one replica reaches all of them within
``registry_refresh_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from hub.core.codes import RegionLevel
from hub.db.engine import Database
from hub.db.polling import keep_refreshed
from hub.registry import model, store
from hub.registry.importer import ImportResult, import_document
from hub.registry.snapshot import RegistrySnapshot
from hub.registry.spatial import Placement, SpatialIndex

log = logging.getLogger(__name__)


class Registry:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.index = SpatialIndex.empty()
        self.snapshot = RegistrySnapshot(revision=0)
        self._changed = asyncio.Condition()

    @property
    def revision(self) -> int:
        return self.index.revision

    def of_level(self, level: RegionLevel) -> list[model.Region]:
        """Every region of one level, in code order, as the last refresh saw them."""
        snapshot = self.snapshot
        return [snapshot.regions[code] for code in snapshot.codes_by_level.get(level, [])]

    def region(self, code: str) -> model.Region | None:
        """One region by its code, as the last refresh saw it."""
        return self.snapshot.regions.get(code)

    def locate(self, lat: float, lon: float) -> Placement | None:
        return self.index.locate(lat, lon)

    async def refresh(self) -> bool:
        """Rebuild the index if the stored registry moved on; True when it did."""
        async with self.database.session() as session:
            revision = await store.revision(session)
            if revision == self.index.revision:
                return False
            shapes = await store.leaf_shapes(session)
            regions, workers, branches = await store.everything(session)
        self.snapshot = RegistrySnapshot.of(revision, regions, workers, branches)
        self.index = await asyncio.to_thread(SpatialIndex, shapes, revision)
        log.info("registry index rebuilt", extra={"revision": revision, "shapes": len(shapes)})
        async with self._changed:
            self._changed.notify_all()
        return True

    async def import_document(self, document: Any, source: str) -> ImportResult:
        result = await import_document(self.database, document, source)
        await self.refresh()
        return result

    async def watch(self, interval: float) -> None:
        """Poll for imports made elsewhere; runs until cancelled."""
        await keep_refreshed(self.refresh, interval, "registry")

    async def revisions(self) -> AsyncIterator[int]:
        """The current revision, then every new one as it arrives."""
        seen = self.revision
        yield seen
        while True:
            async with self._changed:
                while self.revision == seen:
                    await self._changed.wait()
            seen = self.revision
            yield seen
