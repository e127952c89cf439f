"""The hub's schema class: every result, on every transport, leaves typed, audited, counted.

Errors are classified here rather than in an extension because a parse error raised
by the parser cache escapes the extensions' operation hook; ``execute`` and ``stream``
are the two doors every transport (HTTP, WebSocket, SSE) goes through. The same two
doors resolve trusted documents before parsing, and write the operation's audit
entries before its result leaves: a result whose evidence could not be written is
withheld. ``stream`` also hands subscribers alike one stream of their audience
(``schema.shared_streams``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError
from graphql import OperationType as DocumentOperation
from strawberry.printer import print_schema
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from hub.core import telemetry
from hub.core.errors import ErrorCode, HubError
from hub.observability.metrics import Metrics
from schema.context import HubContext
from schema.errors import classify
from schema.sdl import publishable
from schema.security import DocumentPlans, current_operation
from schema.security.operation import CURRENT
from schema.shared_streams import Audience, SharedStreams

if TYPE_CHECKING:  # the security services import the graph's errors
    from hub.security.service import Security

MAX_OPERATION_NAME = 64  # longer client-chosen names would bloat the metric labels
# Metric labels only: the name of the first operation, without parsing the document.
_FIRST_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z]\w*)")
SUBSCRIPTION = DocumentOperation.SUBSCRIPTION


class HubSchema(strawberry.federation.Schema):
    metrics: Metrics | None = None
    secure: bool = True  # False only for benchmarks of the bare graph
    auth_directives: bool = True  # published in the SDL (HUB_FEDERATION__AUTH_DIRECTIVES)
    document_plans: DocumentPlans | None = None  # the security's; None when not secure

    @cached_property
    def shared_streams(self) -> SharedStreams:
        return SharedStreams()

    @cached_property
    def published_sdl(self) -> str:
        """The subgraph SDL gateways compose: what ``_service { sdl }`` answers."""
        return publishable(print_schema(self), auth_directives=self.auth_directives) + "\n"

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """``classify`` logs what deserves logging; client mistakes are not server errors."""

    async def execute(  # noqa: PLR0913, PLR0917 - strawberry's own signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        started = time.perf_counter()
        CURRENT.set(None)
        label = _label(query, operation_name)
        with telemetry.joined(
            f"graphql {label}", _caller_trace(context_value), _operation(label), kind="server"
        ):
            try:
                query = await self._trusted(query, operation_extensions, context_value)
            except HubError as error:
                result = _refused(error)
            else:
                result = await super().execute(
                    query,
                    variable_values,
                    context_value,
                    root_value,
                    operation_name,
                    allowed_operation_types,
                    operation_extensions,
                )
                result = await self._audited(result, context_value)
            self._finish(result, _label(query, operation_name), started)
        return result

    async def stream(  # noqa: PLR0913, PLR0917 - strawberry's own signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        CURRENT.set(None)
        if isinstance(context_value, HubContext):  # a WebSocket shares one among operations
            context_value = context_value.for_operation()
        label = _label(query, operation_name)
        try:
            query = await self._trusted(query, operation_extensions, context_value)
        except HubError as error:
            return self._finish_each(_one(_refused(error)), label, None)
        if isinstance(context_value, HubContext) and _streams_allowed(allowed_operation_types):
            audience = self._audience(query, operation_name, variable_values, context_value)
            if audience is not None:
                return self._followed(audience, variable_values, context_value)
        results = await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )
        return self._finish_each(results, label, context_value)

    def _audience(
        self,
        query: str | None,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        context: HubContext,
    ) -> Audience | None:
        """Whom a subscription's results are for, when subscribers alike may share them.

        Only a document already executed (its plan cached) is considered, so a document is
        never parsed here before the token limit and validation have seen it; its first
        subscriber runs alone. Not shared: a document that reads personal data unmasked
        for this principal, as each subscriber's reads are audited as its own."""
        if self.document_plans is None or query is None:
            return None
        plan = self.document_plans.planned(query, operation_name)
        principal = context.principal
        if plan is None or principal is None or plan.operation_type is not SUBSCRIPTION:
            return None
        if any(f"pii:read:{d}" in principal.scopes for d in plan.personal_departments):
            return None
        try:
            given = json.dumps(variables, sort_keys=True)
        except (TypeError, ValueError):
            return None
        return Audience(
            query, operation_name, given, principal, context.credential, context.purpose
        )

    def _followed(
        self,
        audience: Audience,
        variables: dict[str, Any] | None,
        context: HubContext,
    ) -> StreamResult:
        """This subscriber's results from its audience's stream, which opens if none is."""
        query, operation_name = audience.query, audience.operation_name
        label = _label(query, operation_name)
        try:  # each follower is charged, as each would be alone; their stream is not
            context.charge_rate_limit()
        except HubError as error:
            return self._finish_each(_one(_refused(error)), label, None)
        # The stream's own context: of no connection, as it outlives its first follower's.
        source = replace(context, rate_charged=True, request=None, response=None)

        async def start() -> StreamResult:
            results = await super(HubSchema, self).stream(
                query, variables, source, operation_name=operation_name
            )
            return self._finish_each(results, label, source)

        def refuse(error: Exception) -> ExecutionResult:
            refusal = _refused(error)
            self._finish(refusal, label, time.perf_counter())
            return refusal

        limit = context.services.bus.live.queue_size
        return self.shared_streams.follow(
            audience, start, lambda: source.last_given, limit=limit, refuse=refuse
        )

    async def _finish_each(
        self, results: StreamResult, operation_name: str | None, context: Any
    ) -> StreamResult:
        started = time.perf_counter()
        async for result in results:
            if isinstance(result, ExecutionResult):
                result = await self._audited(result, context)  # noqa: PLW2901
                self._finish(result, operation_name, started)
            yield result
            started = time.perf_counter()

    async def _trusted(
        self, query: str | None, extensions: dict[str, Any] | None, context: Any
    ) -> str | None:
        if not self.secure:
            return query
        security: Security = context.services.security
        return await security.persisted.resolve(query, extensions)

    async def _audited(self, result: ExecutionResult, context: Any) -> ExecutionResult:
        operation = current_operation()
        entries = operation.take_entries() if operation else []
        if not entries:
            return result
        try:
            await context.services.security.audit.append(entries)
        except Exception as error:
            return _refused(error)
        return result

    def _finish(self, result: ExecutionResult, operation_name: str | None, started: float) -> None:
        if result.errors:
            result.errors = [classify(error, operation_name) for error in result.errors]
        if self.metrics is not None:
            _observe(self.metrics, result, operation_name, time.perf_counter() - started)


def _refused(error: Exception) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(str(error), original_error=error)])


def _streams_allowed(allowed: Iterable[OperationType] | None) -> bool:
    return allowed is None or OperationType.SUBSCRIPTION in allowed


async def _one(result: ExecutionResult) -> StreamResult:
    yield result


def _label(query: str | None, operation_name: str | None) -> str:
    if operation_name:
        return operation_name[:MAX_OPERATION_NAME]
    found = _FIRST_OPERATION.match(query or "")
    return found.group(1)[:MAX_OPERATION_NAME] if found else "anonymous"


def _caller_trace(context: Any) -> Mapping[str, str] | None:
    """The caller's request headers, which may carry its trace (``traceparent``)."""
    request = getattr(context, "request", None)
    return getattr(request, "headers", None)


def _operation(label: str) -> dict[str, str]:
    return {"graphql.operation.name": label}


def _observe(
    metrics: Metrics, result: ExecutionResult, operation_name: str | None, elapsed: float
) -> None:
    name = operation_name or "anonymous"
    meters = metrics.graphql_operation(name)
    meters.latency.observe(elapsed)
    (meters.failed if result.errors else meters.ok).inc()
    for error in result.errors or ():
        code = (error.extensions or {}).get("code", ErrorCode.INTERNAL_SERVER_ERROR.value)
        metrics.graphql_errors.labels(name, code).inc()
