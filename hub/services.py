"""What one hub process holds for its lifetime, built once at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.config import Settings
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
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def create(cls, settings: Settings) -> Services:
        database = Database(settings.database_url)
        return cls(settings, database, Registry(database), load_departments())

    async def aclose(self) -> None:
        await self.database.aclose()
