"""One execution of a subscription event for each audience, not one for each subscriber.

graphql-core executes a subscription's selection once per event per subscriber. When a
thousand command-centre screens follow ``gridEvents`` with the same document, the same
variables and the same key, those thousand executions give one result. An event's root
value may carry ``SharedResults``; the executor then looks there first, and keeps what
it computed for the subscribers that come after it.

A result is shared only among subscribers who would compute it alike: the same
operation (the parser cache hands every subscriber of a document the same node), equal
variables, and the same principal with the same purpose, so row filters, masking and
scopes decide alike. A result that carries errors, or whose execution owed the audit
trail an entry (an unmasked personal field), is never shared: each subscriber executes
it and is audited on its own.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, cast

from graphql import ExecutionResult, Executor, OperationDefinitionNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.security import current_operation


@dataclass(frozen=True, slots=True)
class _Kept:
    operation: OperationDefinitionNode
    variables: dict[str, Any]
    result: ExecutionResult


class SharedResults:
    """The results of one event's execution, each kept for the audience it was made for."""

    def __init__(self) -> None:
        self._kept: dict[tuple[object, ...], list[_Kept]] = {}

    def find(self, audience: tuple[object, ...], executor: Executor[Any]) -> ExecutionResult | None:
        for kept in self._kept.get(audience, ()):
            if kept.operation is executor.operation and kept.variables == _variables(executor):
                return kept.result
        return None

    def keep(self, audience: tuple[object, ...], executor: Executor[Any], result: object) -> None:
        if not isinstance(result, ExecutionResult) or result.errors or _owes_audit():
            return
        kept = _Kept(executor.operation, _variables(executor), result)
        self._kept.setdefault(audience, []).append(kept)


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, sharing the results of events that carry ``SharedResults``."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = getattr(self.root_value, "shared_results", None)
        if not isinstance(shared, SharedResults):
            return super().execute_operation(serially)
        audience = _audience(self.context_value)
        found = shared.find(audience, self)
        if found is not None:
            return found
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._kept_when_done(cast("Awaitable[object]", result), shared, audience)
        shared.keep(audience, self, result)
        return result

    async def _kept_when_done(
        self, pending: Awaitable[object], shared: SharedResults, audience: tuple[object, ...]
    ) -> object:
        result = await pending
        shared.keep(audience, self, result)
        return result


def _audience(context: Any) -> tuple[object, ...]:
    """Who a result is for: the principal (scopes, grids and all) and the stated purpose."""
    return (getattr(context, "principal", None), getattr(context, "purpose", None))


def _variables(executor: Executor[Any]) -> dict[str, Any]:
    return executor.variable_values.coerced


def _owes_audit() -> bool:
    operation = current_operation()
    return operation is not None and bool(operation.reads or operation.changes)
