"""GraphQL over HTTP to the letter: every refusal a typed 4xx, each status held here.

``application/graphql-response+json`` says with its status whether the operation ran (a
document that does not parse or validate is 400); ``application/json`` is the spec's
legacy type, 200 for those. Either way a request that is not a GraphQL request at all
(bad JSON, wrong method, wrong body type) is a 4xx with ``extensions.code``, and so is a
subscription sent where no stream can carry it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hub.app import create_app
from hub.config import Settings
from tests.hub.http.test_transports import parse_events
from tests.support.live import live_server
from tests.support.principals import bearer

GRAPHQL_RESPONSE = "application/graphql-response+json"
COUNT = "{ grids(first: 1) { totalCount } }"
PARSE_ERROR = "{ grids(first: 1) { totalCount }"
INVALID = "{ grids { nonsense } }"
SUBSCRIPTION = "subscription { registryRevision }"
MUTATION = "mutation { __typename }"


def wants(media_type: str) -> dict[str, str]:
    return {"accept": media_type}


def code_of(response: httpx.Response) -> str:
    body: dict[str, Any] = response.json()
    return str(body["errors"][0]["extensions"]["code"])


# -- the two JSON media types ---------------------------------------------------------------


async def test_a_client_that_prefers_graphql_response_json_gets_it(
    client: httpx.AsyncClient,
) -> None:
    accept = "application/graphql-response+json, application/json;q=0.9"
    response = await client.post("/graphql", json={"query": COUNT}, headers=wants(accept))
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    assert response.json() == {"data": {"grids": {"totalCount": 83}}}


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
async def test_a_legacy_client_gets_application_json(
    client: httpx.AsyncClient, accept: str | None
) -> None:
    headers = {} if accept is None else wants(accept)
    response = await client.post("/graphql", json={"query": COUNT}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


async def test_nothing_acceptable_is_406(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": COUNT}, headers=wants("text/plain"))
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/json"
    assert code_of(response) == "NOT_ACCEPTABLE"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (PARSE_ERROR, None, "GRAPHQL_PARSE_FAILED"),
        (INVALID, None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($c: String!) { region(code: $c) { name } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("query A { __typename }", None, "OPERATION_RESOLUTION_FAILURE"),  # with name "B"
    ],
    ids=["parse", "validation", "variables", "operation"],
)
async def test_a_request_error_is_400_in_graphql_response_json_and_200_in_json(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    request = {"query": query, "variables": variables}
    if code == "OPERATION_RESOLUTION_FAILURE":
        request["operationName"] = "B"
    strict = await client.post("/graphql", json=request, headers=wants(GRAPHQL_RESPONSE))
    legacy = await client.post("/graphql", json=request, headers=wants("application/json"))
    assert (strict.status_code, legacy.status_code) == (400, 200)
    for response in (strict, legacy):
        assert code_of(response) == code
        assert "data" not in response.json()  # nothing ran: no data entry at all


async def test_an_operation_that_ran_is_200_even_with_field_errors(
    client: httpx.AsyncClient,
) -> None:
    query = '{ region(code: "999") { name } }'  # a malformed argument: a field error
    response = await client.post("/graphql", json={"query": query}, headers=wants(GRAPHQL_RESPONSE))
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"region": None}
    assert body["errors"][0]["path"] == ["region"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_an_unauthenticated_operation_is_401_in_both(
    anonymous: httpx.AsyncClient, accept: str
) -> None:
    response = await anonymous.post("/graphql", json={"query": COUNT}, headers=wants(accept))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="grid-hub"'
    assert response.headers["content-type"].startswith(accept)
    assert code_of(response) == "UNAUTHENTICATED"


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 403), ("application/json", 200)])
async def test_a_missing_scope_is_403_in_graphql_response_json(
    anonymous: httpx.AsyncClient, keys: dict[str, str], accept: str, status: int
) -> None:
    query = "{ auditLog(first: 1) { seq } }"  # needs audit:read, which the public lacks
    headers = {**bearer(keys["public"]), **wants(accept)}
    response = await anonymous.post("/graphql", json={"query": query}, headers=headers)
    assert (response.status_code, code_of(response)) == (status, "FORBIDDEN")
    assert "data" not in response.json()


# -- requests that are not GraphQL requests -------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "BAD_REQUEST"),
        (b"", "application/json", 400, "BAD_REQUEST"),
        (b"{}", "application/json", 400, "BAD_REQUEST"),  # no query
        (b'{"qeury": "{ __typename }"}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": 1}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "variables": "x"}', "application/json", 400, "BAD_REQUEST"),
        (
            b'{"query": "{ __typename }", "operationName": {}}',
            "application/json",
            400,
            "BAD_REQUEST",
        ),
        (b'{"query": "{ __typename }", "extensions": []}', "application/json", 400, "BAD_REQUEST"),
        (b'[{"query": "{ __typename }"}]', "application/json", 400, "BAD_REQUEST"),  # a batch
        (b'"{ __typename }"', "application/json", 400, "BAD_REQUEST"),
        (b"\xff\xfe", "application/json", 400, "BAD_REQUEST"),  # not UTF-8
        (b'{"query": "{ __typename }"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b'{"query": "{ __typename }"}', None, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (
            b'{"query": "{ __typename }"}',
            "application/json; charset=latin-1",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            b"query=%7B__typename%7D",
            "application/x-www-form-urlencoded",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ],
)
async def test_a_malformed_post_is_a_typed_4xx(
    client: httpx.AsyncClient, content: bytes, content_type: str | None, status: int, code: str
) -> None:
    for accept in (GRAPHQL_RESPONSE, "application/json"):  # not a GraphQL request: either way
        headers = {"accept": accept}
        if content_type:
            headers["content-type"] = content_type
        response = await client.post("/graphql", content=content, headers=headers)
        assert response.status_code == status
        assert response.headers["content-type"].startswith(accept)
        assert code_of(response) == code


async def test_a_post_of_json_in_utf_8_is_accepted(client: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/json; charset=UTF-8"}
    response = await client.post("/graphql", content=json.dumps({"query": COUNT}), headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"query": COUNT, "variables": "{not json"},
        {"query": COUNT, "extensions": "[1"},
        {"variables": "{}"},  # no query
    ],
)
async def test_a_malformed_get_is_400(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get("/graphql", params=params, headers=wants(GRAPHQL_RESPONSE))
    assert (response.status_code, code_of(response)) == (400, "BAD_REQUEST")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
async def test_a_method_other_than_get_and_post_is_405(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.request(method, "/graphql", json={"query": COUNT})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    if method != "HEAD":  # a HEAD answer has no body
        assert code_of(response) == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_a_mutation_over_get_is_405_and_does_not_run(
    client: httpx.AsyncClient, accept: str
) -> None:
    response = await client.get("/graphql", params={"query": MUTATION}, headers=wants(accept))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert code_of(response) == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_a_subscription_without_a_stream_is_400(
    client: httpx.AsyncClient, method: str, accept: str
) -> None:
    if method == "GET":
        response = await client.get(
            "/graphql", params={"query": SUBSCRIPTION}, headers=wants(accept)
        )
    else:
        response = await client.post(
            "/graphql", json={"query": SUBSCRIPTION}, headers=wants(accept)
        )
    assert response.status_code == 400
    assert code_of(response) == "SUBSCRIPTION_NEEDS_STREAM"
    assert "text/event-stream" in response.json()["errors"][0]["message"]


# -- SSE --------------------------------------------------------------------------------------


async def test_an_unauthenticated_event_stream_is_401_like_a_plain_post(
    anonymous: httpx.AsyncClient,
) -> None:
    request = {"query": COUNT}
    plain = await anonymous.post("/graphql", json=request)
    streamed = await anonymous.post("/graphql", json=request, headers=wants("text/event-stream"))
    assert (plain.status_code, streamed.status_code) == (401, 401)
    assert streamed.headers["www-authenticate"] == plain.headers["www-authenticate"]
    assert code_of(streamed) == code_of(plain) == "UNAUTHENTICATED"


async def test_a_bad_key_on_an_event_stream_is_401(anonymous: httpx.AsyncClient) -> None:
    headers = {**bearer("ghk_not-a-key"), **wants("text/event-stream")}
    response = await anonymous.post("/graphql", json={"query": COUNT}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="grid-hub"'


async def test_a_mutation_over_an_sse_get_is_refused_in_the_stream(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/graphql", params={"query": MUTATION}, headers=wants("text/event-stream")
    )
    (kind, payload), complete = parse_events(response.text)
    assert kind == "next"
    assert payload == {
        "errors": [
            {"message": "a mutation needs POST", "extensions": {"code": "METHOD_NOT_ALLOWED"}}
        ]
    }
    assert complete == ("complete", None)


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        ({"query": "query A { __typename }", "operationName": "B"}, "OPERATION_RESOLUTION_FAILURE"),
        (
            {"query": "query A { a: __typename } query B { b: __typename }"},
            "OPERATION_RESOLUTION_FAILURE",
        ),
        ({"query": "{ __typename "}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "{" * 3000 + "}" * 3000}, "GRAPHQL_PARSE_FAILED"),
    ],
)
async def test_a_document_that_cannot_run_over_sse_is_a_typed_400_before_any_stream(
    client: httpx.AsyncClient, request_body: dict[str, str], code: str
) -> None:
    response = await client.post("/graphql", json=request_body, headers=wants("text/event-stream"))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_what_fails_inside_a_stream_is_a_next_event_then_complete(
    client: httpx.AsyncClient,
) -> None:
    """A document that runs but fails is no HTTP error: the stream says why and ends."""
    request = {"query": "{ gridAt(lat: 200, lon: 0) { grid { code } } }"}
    response = await client.post("/graphql", json=request, headers=wants("text/event-stream"))
    assert response.status_code == 200
    (kind, payload), (last, _) = parse_events(response.text)
    assert (kind, last) == ("next", "complete")
    assert payload["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ __typename }", "variables": {"x": 1' + b"0" * 5000 + b"}}",
        b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
        b"[" * 100_000,
    ],
    ids=["a 5001-digit number", "nested 5000 deep", "an unclosed nesting"],
)
@pytest.mark.parametrize("accept", ["application/json", "text/event-stream"])
async def test_json_no_parser_can_hold_is_a_typed_400(
    client: httpx.AsyncClient, body: bytes, accept: str
) -> None:
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json", **wants(accept)}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_get_with_a_number_too_long_in_its_variables_is_a_typed_400(
    client: httpx.AsyncClient,
) -> None:
    variables = '{"x": 1' + "0" * 5000 + "}"
    response = await client.get(
        "/graphql", params={"query": "{ __typename }", "variables": variables}
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "4,300 digits" in error["message"]


async def test_a_subscription_streams_over_an_sse_get(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    headers = {**bearer(keys["public"]), **wants("text/event-stream")}
    async with (
        live_server(create_app(town_settings)) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http,
        http.stream("GET", "/graphql", params={"query": SUBSCRIPTION}, headers=headers) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        received = ""
        async for chunk in stream.aiter_text():
            received += chunk
            if received.endswith("\n\n"):
                break
    assert parse_events(received) == [("next", {"data": {"registryRevision": 1}})]


@pytest.mark.parametrize("accept", ["application/graphql-response+json", "text/event-stream"])
async def test_an_integer_literal_no_number_can_hold_is_a_validation_failure(
    client: httpx.AsyncClient, accept: str
) -> None:
    query = "{ events(first: 1" + "0" * 5000 + ") { totalCount } }"
    response = await client.post("/graphql", json={"query": query}, headers=wants(accept))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert len(error["message"]) < 200  # the literal is not echoed back
