"""What one hub process holds for its lifetime, built once at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.config import Settings
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
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def create(cls, settings: Settings) -> Services:
        database = Database(settings.database_url)
        departments = load_departments()
        security = Security.create(
            settings.security, database, [d.code for d in departments], dev=settings.dev
        )
        return cls(settings, database, Registry(database), departments, security)

    async def aclose(self) -> None:
        await self.security.aclose()
        await self.database.aclose()
