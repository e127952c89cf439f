"""What one hub process holds for its lifetime, built once at start."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from connectors.sdk import Connectors
from hub.assessment import Assessments, PointsRules
from hub.bus import Role
from hub.config import Settings
from hub.core import telemetry
from hub.core.departments import Department
from hub.crosswalk import Crosswalk
from hub.db.engine import Database
from hub.dispatch.departments import link_departments
from hub.observability.metrics import Metrics
from hub.patrols import Patrols
from hub.registry.service import Registry
from hub.reports import Sources
from hub.security.service import Security
from hub.services.bus import EventBus
from hub.services.contributions import Contributions
from hub.services.patrols import patrols_of


@dataclass
class Services:
    settings: Settings
    database: Database
    registry: Registry
    departments: list[Department]
    security: Security
    connectors: Connectors
    bus: EventBus
    metrics: Metrics
    crosswalk: Crosswalk = field(init=False)
    patrols: Patrols = field(init=False)
    assessments: Assessments = field(init=False)

    def __post_init__(self) -> None:
        self.crosswalk = Crosswalk(self.database, [d.code for d in self.departments])
        self.patrols = patrols_of(self.settings, self.database, self.registry, self.bus)
        rules = PointsRules.load(self.settings.assessment.points_file)
        self.assessments = Assessments(self.database, self.patrols, rules)
        self.bus.alongside(
            Role.TIMERS, lambda: self.patrols.run(self.settings.patrols.check_seconds)
        )

    @classmethod
    def create(cls, settings: Settings) -> Services:
        telemetry.configure(settings.telemetry)  # first: the connectors' clients ask it
        database = Database(settings.database_url)
        registry = Registry(database)
        metrics = Metrics()
        connectors = Connectors.create(settings.connectors, metrics.registry)
        contributions = Contributions.of(type(c) for c in connectors)
        departments = list(contributions.departments)
        codes = contributions.department_codes
        security = Security.create(settings.security, database, codes, dev=settings.dev)
        bus = EventBus(settings.bus, database, registry, contributions, metrics)
        link_departments(bus.links, connectors)
        return cls(settings, database, registry, departments, security, connectors, bus, metrics)

    @cached_property
    def report_sources(self) -> Sources:
        """What the periodic reports are built from."""
        return Sources(
            self.registry, self.bus.taxonomy, self.patrols, self.assessments, self.security.keys
        )

    @cached_property
    def department_index(self) -> dict[str, Department]:
        return {department.code: department for department in self.departments}

    async def aclose(self) -> None:
        await self.bus.stop()
        await self.connectors.aclose()
        await self.security.aclose()
        await self.database.aclose()
