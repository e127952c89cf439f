"""An event's selection runs once for each audience: subscribers with the same document,
variables, principal and purpose share the result; anyone else, an errored result or
one that owes the audit trail an entry executes on its own."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache

from schema.security import OperationState
from schema.security.operation import CURRENT
from schema.shared_execution import SharedEventExecutor, SharedResults

FIELD_RUNS: list[str] = []


@strawberry.type
class Step:
    name: str
    shared_results: strawberry.Private[SharedResults | None]

    @strawberry.field
    def label(self, prefix: str = "") -> str:
        FIELD_RUNS.append(self.name)
        return prefix + self.name

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("the step could not be read")

    @strawberry.field
    def contact(self) -> str:
        operation = CURRENT.get()
        assert operation is not None
        operation.read("Step.contact", self.name)
        return "13900000000"


@dataclass
class Context:
    principal: str
    purpose: str = "tests"
    steps: list[Step] = field(default_factory=list)


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def steps(self, info: strawberry.Info[Context, None]) -> AsyncGenerator[Step, None]:
        for step in info.context.steps:
            yield step


SCHEMA = strawberry.Schema(  # the hub's parser cache gives a document's subscribers one node
    query=Query,
    subscription=Subscription,
    execution_context_class=SharedEventExecutor,
    extensions=[ParserCache],
)


@pytest.fixture(autouse=True)
def fresh_runs() -> None:
    FIELD_RUNS.clear()


@pytest.fixture
def shared() -> list[Step]:
    return [Step(name="报到", shared_results=SharedResults())]


async def results(document: str, context: Context, **variables: Any) -> list[Any]:
    stream = await SCHEMA.subscribe(document, variable_values=variables, context_value=context)
    assert isinstance(stream, AsyncIterator)
    async with aclosing(stream):
        return [result async for result in stream]


LABEL = 'subscription($p: String! = "") { steps { label(prefix: $p) } }'


async def test_subscribers_of_one_audience_share_one_execution(shared: list[Step]) -> None:
    first = await results(LABEL, Context("command-centre", steps=shared))
    second = await results(LABEL, Context("command-centre", steps=shared))

    assert [r.data for r in first] == [r.data for r in second] == [{"steps": {"label": "报到"}}]
    assert FIELD_RUNS == ["报到"]


@pytest.mark.parametrize(
    ("other", "variables"),
    [
        (Context("grid-worker"), {}),
        (Context("command-centre", purpose="inspection"), {}),
        (Context("command-centre"), {"p": "#"}),
    ],
    ids=["another principal", "another purpose", "other variables"],
)
async def test_another_audience_executes_its_own(
    other: Context, variables: dict[str, str], shared: list[Step]
) -> None:
    await results(LABEL, Context("command-centre", steps=shared))
    other.steps = shared
    answer = await results(LABEL, other, **variables)

    assert answer[0].data == {"steps": {"label": variables.get("p", "") + "报到"}}
    assert FIELD_RUNS == ["报到", "报到"]


async def test_another_document_executes_its_own(shared: list[Step]) -> None:
    await results(LABEL, Context("command-centre", steps=shared))
    await results("subscription { steps { label } }", Context("command-centre", steps=shared))

    assert FIELD_RUNS == ["报到", "报到"]


async def test_an_event_without_shared_results_executes_for_each_subscriber() -> None:
    own = [Step(name="派遣", shared_results=None)]
    await results(LABEL, Context("command-centre", steps=own))
    await results(LABEL, Context("command-centre", steps=own))

    assert FIELD_RUNS == ["派遣", "派遣"]


async def test_a_result_with_errors_is_not_shared() -> None:
    steps = [Step(name="核查", shared_results=SharedResults())]
    document = "subscription { steps { label broken } }"
    for _ in range(2):
        answer = await results(document, Context("command-centre", steps=steps))
        assert answer[0].errors

    assert FIELD_RUNS == ["核查", "核查"]


async def test_a_result_that_owes_the_audit_trail_is_not_shared() -> None:
    steps = [Step(name="回访", shared_results=SharedResults())]
    document = "subscription { steps { label contact } }"
    audited = []
    for _ in range(2):
        operation = OperationState("steps", "command-centre", "", "tests")
        token = CURRENT.set(operation)
        try:
            await results(document, Context("command-centre", steps=steps))
        finally:
            CURRENT.reset(token)
        audited.append(operation.reads)

    assert FIELD_RUNS == ["回访", "回访"]
    assert audited == [{"Step.contact": {"回访"}}] * 2
