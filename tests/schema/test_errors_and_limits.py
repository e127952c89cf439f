"""Every error a client sees is typed; the limits refuse what would hurt the hub."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from hub.app import create_app
from hub.config import GraphQLLimits, Settings
from tests.conftest import GraphQLClient
from tests.support.principals import bearer


async def test_a_syntax_error_is_a_parse_failure(gql: GraphQLClient) -> None:
    body = await gql("{ grids(first: 1) { totalCount }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_an_unknown_field_is_a_validation_failure(gql: GraphQLClient) -> None:
    body = await gql("{ grids { nonsense } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nonsense" in body["errors"][0]["message"]


async def test_a_deep_query_is_refused(gql: GraphQLClient) -> None:
    nested = "parent { " * 12 + "code" + " }" * 12
    body = await gql(f'{{ region(code: "330199001001001001") {{ {nested} }} }}')
    error = body["errors"][0]
    assert error["extensions"] == {"code": "DEPTH_LIMIT_EXCEEDED", "limit": 12}
    assert body.get("data") is None


async def test_depth_counts_through_fragments(gql: GraphQLClient) -> None:
    query = (
        'query { region(code: "330199") { ...A } }'
        + "".join(
            f" fragment {a} on Region {{ children {{ ...{b} }} }}"
            for a, b in zip("ABCDEFGHIJKL", "BCDEFGHIJKLM", strict=True)
        )
        + " fragment M on Region { code }"
    )
    body = await gql(query)
    assert body["errors"][0]["extensions"]["code"] == "DEPTH_LIMIT_EXCEEDED"


async def test_too_many_tokens_are_refused(gql: GraphQLClient) -> None:
    fields = " ".join(["code"] * 2100)
    body = await gql(f'{{ region(code: "330199") {{ {fields} }} }}')
    assert body["errors"][0]["extensions"]["code"] == "TOKEN_LIMIT_EXCEEDED"


async def test_too_many_aliases_are_refused(gql: GraphQLClient) -> None:
    aliases = " ".join(f"a{i}: departments {{ code }}" for i in range(31))
    body = await gql(f"{{ {aliases} }}")
    assert body["errors"][0]["extensions"]["code"] == "ALIAS_LIMIT_EXCEEDED"


async def test_limits_are_configurable(town_settings: Settings, keys: dict[str, str]) -> None:
    settings = town_settings.model_copy(update={"graphql": GraphQLLimits(max_depth=2)})
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://hub.test",
            headers=bearer(keys["public"]),
        ) as http,
    ):
        shallow = GraphQLClient(http)
        assert "errors" not in await shallow('{ region(code: "330199") { parent { code } } }')
        deep = await shallow('{ region(code: "330199") { parent { parent { code } } } }')
        assert deep["errors"][0]["extensions"] == {"code": "DEPTH_LIMIT_EXCEEDED", "limit": 2}


@pytest.fixture
def broken_database(town_settings: Settings) -> Path:
    url = town_settings.database_url
    return Path(url.split(":///", 1)[1])


async def test_an_unexpected_failure_is_masked_with_a_correlation_id(
    app: Starlette, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    async with app.state.services.database.engine.begin() as connection:
        # Geometries are read from the database (the rest of the registry from memory).
        await connection.exec_driver_sql("ALTER TABLE regions RENAME COLUMN geometry TO shape")
    body = await gql('{ grid(code: "330199001001001") { code geometry } }')
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    correlation = error["extensions"]["correlationId"]
    assert error["message"] == f"Internal server error (correlation id {correlation})"
    assert "geometry" not in error["message"]
    assert "regions" not in str(body)
    assert body["data"]["grid"]["code"] == "330199001001001"
    logged = [r for r in caplog.records if getattr(r, "correlationId", None) == correlation]
    assert logged
    assert logged[0].exc_info is not None
