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
from hub.security.service import Security


@dataclass
class Services:
    settings: Settings
    database: Database
    registry: Registry
    departments: list[Department]
    security: Security
    connectors: Connectors
    metrics: Metrics = field(default_factory=Metrics)
    crosswalk: Crosswalk = field(init=False)

    def __post_init__(self) -> None:
        self.crosswalk = Crosswalk(self.database, [d.code for d in self.departments])

    @classmethod
    def create(cls, settings: Settings) -> Services:
        database = Database(settings.database_url)
        departments = load_departments()
        metrics = Metrics()
        security = Security.create(
            settings.security, database, [d.code for d in departments], dev=settings.dev
        )
        connectors = Connectors.create(settings.connectors, metrics.registry)
        registry = Registry(database)
        return cls(settings, database, registry, departments, security, connectors, metrics)

    async def aclose(self) -> None:
        await self.connectors.aclose()
        await self.security.aclose()
        await self.database.aclose()
