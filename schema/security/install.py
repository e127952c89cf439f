"""Putting the security plan into a freshly built schema."""

from __future__ import annotations

import strawberry

from hub.security.settings import SecuritySettings
from schema.security import guard
from schema.security.document import DocumentPlans
from schema.security.extension import SecurityExtension
from schema.security.plan import SecurityPlan


class GraphSecurity:
    """Built before the schema (its extension factory goes into the schema's list),
    installed after it (the plan is read from the built schema)."""

    def __init__(self, settings: SecuritySettings, *, dev: bool, cache_size: int) -> None:
        self.settings = settings
        self.dev = dev
        self.cache_size = cache_size
        self.plans: DocumentPlans | None = None

    def install(self, schema: strawberry.Schema) -> SecurityPlan:
        plan = SecurityPlan.of(schema._schema)
        guard.install(plan)
        self.plans = DocumentPlans(plan, self.settings.default_list_size, self.cache_size)
        return plan

    def extension(self) -> SecurityExtension:
        assert self.plans is not None, "install() the security before executing"
        return SecurityExtension(plans=self.plans, max_cost=self.settings.max_cost, dev=self.dev)
