"""A document text is parsed and validated once; the limits hold on every sending."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import GraphQLError, parse
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from hub.app import create_app
from hub.config import GraphQLLimits, Settings
from schema import build_schema
from schema.documents import DocumentExtension, Documents
from tests.conftest import GraphQLClient
from tests.hub.http.test_transports import ws_call, ws_receive
from tests.support.live import graphql_ws, live_server
from tests.support.principals import bearer

GRIDS = "{ grids(first: 1) { totalCount } }"
DEEP = '{ region(code: "330199") { ' + "parent { " * 12 + "code" + " }" * 12 + " } }"


@pytest.fixture(scope="module")
def documents() -> Documents:
    made = Documents(GraphQLLimits())
    made.install(build_schema(secure=False)._schema)
    return made


def test_a_text_is_parsed_and_validated_once(documents: Documents) -> None:
    first = documents.parsed(GRIDS), documents.problems(GRIDS)
    again = documents.parsed(GRIDS), documents.problems(GRIDS)
    assert first[1] == []
    assert again[0] is first[0]
    assert again[1] is first[1]


def test_a_text_that_does_not_parse_is_not_kept(documents: Documents) -> None:
    held = documents.parsed.cache_info().currsize
    for _ in range(2):
        with pytest.raises(GraphQLError, match="Syntax Error"):
            documents.parsed("{ grids { totalCount }")
    assert documents.parsed.cache_info().currsize == held


def test_the_limits_hold_without_a_cache() -> None:
    documents = Documents(GraphQLLimits(document_cache_size=0, max_tokens=20))
    documents.install(build_schema(secure=False)._schema)
    with pytest.raises(GraphQLError, match="more than 20 tokens"):
        documents.parsed(DEEP)
    assert documents.parsed(GRIDS) is not documents.parsed(GRIDS)


def test_a_document_given_parsed_is_validated_with_the_hubs_rules(
    documents: Documents,
) -> None:
    execution = ExecutionContext(
        query=None,
        schema=build_schema(secure=False),
        allowed_operations=[OperationType.QUERY],
        graphql_document=parse(DEEP),
    )
    extension = DocumentExtension(documents)
    extension.execution_context = execution
    hook = extension.on_validate()
    assert isinstance(hook, Iterator)
    next(hook)
    assert execution.pre_execution_errors is None  # strawberry validates it
    assert execution.validation_rules == documents.rules
    assert any(rule.__name__ == "DepthLimit" for rule in execution.validation_rules)


async def test_a_refusal_is_the_same_the_second_time(gql: GraphQLClient) -> None:
    for _ in range(2):
        body = await gql(DEEP)
        assert body["errors"][0]["extensions"] == {"code": "DEPTH_LIMIT_EXCEEDED", "limit": 12}
        assert len(body["errors"]) == 1
    for _ in range(2):
        body = await gql("{ grids(first: 1) { totalCount }")
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_a_subscription_meets_the_same_limits(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    """Subscriptions take the same path through parsing and validation as queries."""
    aliases = " ".join(f"a{i}: eventId" for i in range(31))
    wide = f"subscription {{ gridEvents {{ {aliases} }} }}"
    async with live_server(create_app(town_settings)) as address, graphql_ws(address) as ws:
        await ws_call(ws, {"type": "connection_init", "payload": bearer(keys["command"])})
        await ws_receive(ws)
        for n in range(2):
            await ws_call(ws, {"id": f"s{n}", "type": "subscribe", "payload": {"query": wide}})
            refused = await ws_receive(ws)
            assert refused["type"] == "error", refused
            assert refused["payload"][0]["extensions"]["code"] == "ALIAS_LIMIT_EXCEEDED"
        await ws_call(ws, {"id": "q", "type": "subscribe", "payload": {"query": GRIDS}})
        assert (await ws_receive(ws))["payload"] == {"data": {"grids": {"totalCount": 83}}}
