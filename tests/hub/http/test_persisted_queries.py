"""Persisted queries over HTTP: APQ by POST and GET, and GraphQL over HTTP's documentId."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.config import Settings
from tests.conftest import in_production, running
from tests.support.principals import bearer

COUNT = "query Count { grids(first: 1) { totalCount } }"
ANSWER = {"data": {"grids": {"totalCount": 83}}}
DIGEST = hashlib.sha256(COUNT.encode()).hexdigest()
HASHED = {"persistedQuery": {"version": 1, "sha256Hash": DIGEST}}


def code(response: httpx.Response) -> str:
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    assert body.get("data") is None
    [error] = body["errors"]
    return str(error["extensions"]["code"])


def get_params(**params: object) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


async def test_apq_over_post_misses_then_registers_then_hits(client: httpx.AsyncClient) -> None:
    miss = await client.post("/graphql", json={"extensions": HASHED})
    assert code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    register = await client.post("/graphql", json={"query": COUNT, "extensions": HASHED})
    assert register.json() == ANSWER
    hit = await client.post("/graphql", json={"extensions": HASHED})
    assert hit.json() == ANSWER


async def test_apq_over_get_is_a_request_not_the_graphiql_page(client: httpx.AsyncClient) -> None:
    # Accept */* is what strawberry takes for a browser wanting GraphiQL when `query` is absent
    headers = {"Accept": "*/*"}
    params = get_params(operationName="Count", extensions=HASHED)
    miss = await client.get("/graphql", params=params, headers=headers)
    assert code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    with_text = get_params(query=COUNT, extensions=HASHED)
    assert (await client.get("/graphql", params=with_text)).json() == ANSWER
    hit = await client.get("/graphql", params=params, headers=headers)
    assert hit.json() == ANSWER


async def test_a_hash_that_is_not_the_texts_is_bad_input(client: httpx.AsyncClient) -> None:
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    mismatch = await client.post("/graphql", json={"query": COUNT, "extensions": wrong})
    assert code(mismatch) == "BAD_USER_INPUT"
    assert mismatch.json()["errors"][0]["extensions"]["sha256Hash"] == "0" * 64
    assert code(await client.post("/graphql", json={"extensions": wrong})) == (
        "PERSISTED_QUERY_NOT_FOUND"  # the mismatched text was not registered under it
    )


async def test_document_id_by_post_and_get(client: httpx.AsyncClient) -> None:
    document_id = f"sha256:{DIGEST}"
    miss = await client.post("/graphql", json={"documentId": document_id})
    assert code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    await client.post("/graphql", json={"query": COUNT, "extensions": HASHED})  # now known
    by_post = await client.post("/graphql", json={"documentId": document_id, "variables": {}})
    assert by_post.json() == ANSWER
    by_get = await client.get("/graphql", params={"documentId": document_id})
    assert by_get.json() == ANSWER


@pytest.mark.parametrize("document_id", ["md5:abc", DIGEST, f"sha256:{DIGEST.upper()}", 7])
async def test_a_document_id_the_hub_cannot_read_is_bad_input(
    client: httpx.AsyncClient, document_id: object
) -> None:
    response = await client.post("/graphql", json={"documentId": document_id})
    assert code(response) == "BAD_USER_INPUT"


# -- production: trusted documents only --------------------------------------------------------


@pytest.fixture
async def production(town_settings: Settings) -> AsyncIterator[Starlette]:
    settings = in_production(town_settings)
    async with running(settings) as app:
        yield app


@pytest.fixture
async def public(production: Starlette, keys: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", headers=bearer(keys["public"])
    ) as http:
        yield http


async def test_production_refuses_apq_registration_with_a_typed_error(
    public: httpx.AsyncClient,
) -> None:
    assert code(await public.post("/graphql", json={"extensions": HASHED})) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    retry = await public.post("/graphql", json={"query": COUNT, "extensions": HASHED})
    assert code(retry) == "DOCUMENT_NOT_TRUSTED"
    assert "hub documents register" in retry.json()["errors"][0]["message"]
    assert code(await public.post("/graphql", json={"extensions": HASHED})) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


async def test_production_runs_registered_documents_by_hash_and_document_id(
    production: Starlette, public: httpx.AsyncClient
) -> None:
    await production.state.services.security.documents.register(COUNT, "Count")
    params = get_params(extensions=HASHED)
    assert (await public.get("/graphql", params=params)).json() == ANSWER
    assert (await public.post("/graphql", json={"extensions": HASHED})).json() == ANSWER
    by_id = {"documentId": f"sha256:{DIGEST}"}
    assert (await public.post("/graphql", json=by_id)).json() == ANSWER
    assert (await public.get("/graphql", params=by_id)).json() == ANSWER
