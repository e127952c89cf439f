"""What one hub process holds for its lifetime, built once at start."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from hub.config import Settings
from hub.db.engine import Database
from hub.departments import Department, load_departments
from hub.eventbus import EventBus
from hub.observability.metrics import Metrics
from hub.registry.service import Registry


@dataclass
class Services:
    settings: Settings
    database: Database
    registry: Registry
    departments: list[Department]
    bus: EventBus
    metrics: Metrics

    @classmethod
    def create(cls, settings: Settings) -> Services:
        database = Database(settings.database_url)
        registry = Registry(database)
        departments = load_departments()
        metrics = Metrics()
        codes = [d.code for d in departments]
        bus = EventBus(settings.bus, database, registry, codes, metrics)
        return cls(settings, database, registry, departments, bus, metrics)

    @cached_property
    def department_index(self) -> dict[str, Department]:
        return {department.code: department for department in self.departments}

    async def aclose(self) -> None:
        await self.bus.stop()
        await self.database.aclose()
