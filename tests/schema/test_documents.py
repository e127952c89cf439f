"""A document text is parsed and validated once; the limits hold on every sending."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import GraphQLError, parse
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from hub.config import GraphQLLimits
from schema import build_schema
from schema.documents import DocumentExtension, Documents
from tests.conftest import GraphQLClient

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
