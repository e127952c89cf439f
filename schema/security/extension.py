"""The checks made once per operation, after validation and before anything resolves.

In order: a principal (anonymous introspection and ``_service`` only in dev mode),
introspection only in dev mode or for admins, the root fields a principal limited to
some may select (a gateway: ``_service`` and ``_entities``), the rate limit (for
transports that have not charged it already), every scope the document needs, a
purpose when personal data would be returned unmasked, and the cost estimate. The
document's needs come from its cached ``DocumentPlan``; the principal's from the
request. Refusals are typed ``HubError``s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from strawberry.extensions import SchemaExtension

from hub.core.errors import (
    CostLimitExceededError,
    ForbiddenError,
    PurposeRequiredError,
    UnauthenticatedError,
)
from schema.security.document import DocumentPlan, DocumentPlans
from schema.security.operation import CURRENT, OperationState

if TYPE_CHECKING:
    from hub.security.principal import Principal
    from schema.context import HubContext

ADMIN = "admin"


class SecurityExtension(SchemaExtension):
    def __init__(self, *, plans: DocumentPlans, max_cost: int, dev: bool) -> None:
        self.plans = plans
        self.max_cost = max_cost
        self.dev = dev

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context: HubContext = execution.context
        assert execution.graphql_document is not None
        assert execution.query is not None
        plan = self.plans.get(execution.query, execution.operation_name, execution.graphql_document)
        self.check(plan, context, execution.variables)  # HTTP statuses: hub.http.results
        principal = context.principal
        CURRENT.set(
            OperationState(
                label=execution.operation_name or "anonymous",
                principal=principal.id if principal else "anonymous",
                client=context.client,
                purpose=context.purpose or "",
            )
        )
        yield

    def check(
        self, plan: DocumentPlan, context: HubContext, variables: dict[str, Any] | None
    ) -> None:
        principal = context.principal
        if principal is None:
            if self.dev and plan.schema_only:
                return  # GraphiQL, or a gateway, may load the schema before it has a key
            raise UnauthenticatedError("not authenticated: send an API key or a token")
        if plan.introspection and not self.dev and ADMIN not in principal.scopes:
            raise ForbiddenError("introspection is off in production; use _service { sdl }")
        _check_root_fields(plan, principal)
        context.charge_rate_limit()
        unmet = plan.unmet(principal.scopes)
        if unmet is not None:
            raise ForbiddenError(
                f"{unmet.coordinate} needs the scope {unmet.describe()}",
                field=unmet.coordinate,
                requiredScopes=[sorted(group) for group in unmet.scopes],
            )
        unmasked = {d for d in plan.personal_departments if f"pii:read:{d}" in principal.scopes}
        if unmasked and not context.purpose:
            raise PurposeRequiredError(
                "reading personal data unmasked needs a purpose: send the X-Purpose header",
                departments=sorted(unmasked),
            )
        cost = plan.cost(variables)
        if cost > self.max_cost:
            raise CostLimitExceededError(
                f"estimated cost {cost} exceeds the limit of {self.max_cost}",
                cost=cost,
                limit=self.max_cost,
            )


def _check_root_fields(plan: DocumentPlan, principal: Principal) -> None:
    """A principal limited to some root fields (a gateway's) may select no other."""
    allowed = principal.root_fields
    if allowed is None:
        return
    others = sorted(plan.root_fields - allowed)
    if others:
        raise ForbiddenError(
            f"this principal may select only {', '.join(sorted(allowed))} at the root, "
            f"not {', '.join(others)}",
            field=f"{plan.operation_type.value.capitalize()}.{others[0]}",
            allowedRootFields=sorted(allowed),
        )
