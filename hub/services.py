"""What one hub process holds for its lifetime, built once at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.sdk import Connectors
from hub.config import Settings
from hub.crosswalk import Crosswalk
from hub.db.engine import Database
from hub.departments import Department, load_departments
from hub.observability.metrics import Metrics
from hub.registry.service import Registry


@dataclass
class Services:
    settings: Settings
    database: Database
    registry: Registry
    departments: list[Department]
    connectors: Connectors
    metrics: Metrics = field(default_factory=Metrics)
    crosswalk: Crosswalk = field(init=False)

    def __post_init__(self) -> None:
        self.crosswalk = Crosswalk(self.database, [d.code for d in self.departments])

    @classmethod
    def create(cls, settings: Settings) -> Services:
        database = Database(settings.database_url)
        metrics = Metrics()
        connectors = Connectors.create(settings.connectors, metrics.registry)
        return cls(settings, database, Registry(database), load_departments(), connectors, metrics)

    async def aclose(self) -> None:
        await self.connectors.aclose()
        await self.database.aclose()
