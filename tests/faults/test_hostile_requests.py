"""Generated requests against a real ``hub`` server: bodies, headers, variables and
parameters a hostile but fair client might send to ``/graphql`` (plain and SSE) and to
``/open311/v2``. Whatever comes, the answer is a status below 500, typed where the
protocol has a shape for errors, and the server keeps answering."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.app import create_app
from hub.config import Settings
from tests.conftest import sqlite_url
from tests.support.principals import bearer

pytestmark = pytest.mark.integration
EXAMPLES = 800  # per test, three tests: 2,400 requests
QUICK = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GRAPHQL_TYPES = ("application/json", "application/graphql-response+json", "text/event-stream")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
documents = st.sampled_from(
    [
        "{ __typename }",
        "query A { __typename } query B { __typename }",
        "subscription { gridEvents { id } }",
        "mutation { reportEvent(input: {}) { id } }",
        '{ grid(code: "330199001001001") { name } }',
        "{ gridAt(lat: 30.31, lon: 120.05) { grid { code } } }",
        "query($c: String!) { grid(code: $c) { name } }",
        "{ events(first: 100000) { totalCount } }",
        "{ events(first: 1" + "0" * 5000 + ") { totalCount } }",
        "{" * 3000 + "}" * 3000,
        "{ " + "a: __typename " * 50 + "}",
        "{",
        "",
    ]
) | st.text(max_size=60)
operation_bodies = st.fixed_dictionaries(
    {},
    optional={
        "query": documents | json_values,
        "variables": json_values,
        "operationName": st.sampled_from(["A", "B", None, 5, ""]) | json_values,
        "extensions": json_values,
        "documentId": json_values,
    },
)
bodies = (
    operation_bodies.map(lambda b: json.dumps(b).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=200)
    | st.sampled_from(
        [
            b'{"query": "{ __typename }", "variables": {"x": 1' + b"0" * 5000 + b"}}",
            b'{"query": "{ __typename }", "variables": ' + b"[" * 3000 + b"]" * 3000 + b"}",
            b'{"query": "{ __typename }\xff"}',
        ]
    )
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
        "multipart/form-data; boundary=x",
    ]
)
accepts = st.sampled_from([*GRAPHQL_TYPES, "*/*", "text/html", "", "application/xml"])


@pytest.fixture(scope="module")
def hub(
    town_and_keys: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A real server on loopback, in a thread of its own; its address and a command key."""
    town, keys = town_and_keys
    path = tmp_path_factory.mktemp("hostile") / "hub.db"
    shutil.copy(town, path)
    settings = Settings(database_url=sqlite_url(path), log_level="ERROR")
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the hub did not start")
        threading.Event().wait(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", keys["command"]
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture(scope="module")
def http(hub: tuple[str, str]) -> Iterator[httpx.Client]:
    address, key = hub
    with httpx.Client(base_url=address, timeout=30, headers=bearer(key)) as client:
        yield client


def _held(http: httpx.Client, method: str, url: str, **request: Any) -> None:
    """Below 500, and a typed body for a refusal. A stream that is answered 200 (a
    subscription over SSE runs until the client leaves) is left after its headers."""
    with http.stream(method, url, **request) as response:
        assert response.status_code < 500, response.read()[:500]
        if response.status_code < 400 or method == "HEAD":
            return
        response.read()
        if "json" not in response.headers.get("content-type", ""):
            return
        body: Any = response.json()
        errors = body.get("errors", [{}]) if isinstance(body, dict) else body
        codes = [e.get("extensions", {}).get("code") or e.get("code") for e in errors]
        assert all(codes), body


@QUICK
@given(body=bodies, content_type=content_types, accept=accepts)
def test_any_post_to_the_graph_is_answered_below_500(
    http: httpx.Client, body: bytes, content_type: str, accept: str
) -> None:
    headers = {"content-type": content_type, "accept": accept, "x-purpose": "tests"}
    _held(http, "POST", "/graphql", content=body, headers=headers)


@QUICK
@given(
    params=st.dictionaries(
        st.sampled_from(["query", "variables", "operationName", "extensions", "documentId", "x"]),
        documents | json_values.map(json.dumps) | st.text(max_size=30),
        max_size=4,
    ),
    accept=accepts,
)
def test_any_get_of_the_graph_or_its_stream_is_answered_below_500(
    http: httpx.Client, params: dict[str, str], accept: str
) -> None:
    _held(http, "GET", "/graphql", params=params, headers={"accept": accept})


OPEN311_PATHS = st.sampled_from(
    [
        "/services.json",
        "/services/city.litter.json",
        "/requests.json",
        "/requests/x.json",
        "/tokens/t.json",
        "/services.xml",
        "/nothing",
        "/requests.json/",
    ]
)


@QUICK
@given(
    method=st.sampled_from(["GET", "POST", "OPTIONS", "HEAD", "PUT", "DELETE"]),
    path=OPEN311_PATHS,
    params=st.dictionaries(
        st.sampled_from(
            [
                "service_code",
                "lat",
                "long",
                "description",
                "start_date",
                "end_date",
                "status",
                "service_request_id",
                "address_string",
                "email",
                "phone",
                "page_size",
                "x",
            ]
        ),
        st.text(max_size=30)
        | st.sampled_from(["", "2026-13-40", "1e400", "NaN", "30.31", "120.05"]),
        max_size=6,
    ),
)
def test_any_open311_request_is_answered_below_500(
    http: httpx.Client, hub: tuple[str, str], method: str, path: str, params: dict[str, str]
) -> None:
    url = f"/open311/v2{path}"
    params = {**params, "api_key": hub[1]}
    if method == "POST":
        _held(http, method, url, data=params)
    else:
        _held(http, method, url, params=params)
