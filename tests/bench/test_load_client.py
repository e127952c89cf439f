"""The benchmarks' lean load client against a real server (uvicorn serving Starlette):
a POST of JSON and a GET with parameters, one connection kept for an asker's requests,
a new one when the server closes it, and a GraphQL answer's errors read from the body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.load_client import Asker, request_bytes
from tests.support.live import live_server


async def echo(request: Request) -> JSONResponse:
    """What the request carried, with the client's port: which connection it came on."""
    body = await request.body()
    seen = {
        "method": request.method,
        "query": dict(request.query_params),
        "key": request.headers.get("x-key"),
        "body": json.loads(body) if body else None,
        "port": request.client.port if request.client else None,
    }
    if request.query_params.get("fail"):
        return JSONResponse({"data": None, "errors": [{"message": "no such grid"}]})
    closing = {"Connection": "close"} if request.query_params.get("close") else {}
    return JSONResponse({"data": seen}, headers=closing)


@asynccontextmanager
async def serving() -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/graphql", echo, methods=["GET", "POST"])])
    async with live_server(app, lifespan="off") as address:
        yield f"http://{address}/graphql"


def data(body: bytes) -> dict[str, object]:
    answer = json.loads(body)["data"]
    assert isinstance(answer, dict)
    return answer


async def test_an_asker_posts_and_gets_on_one_kept_connection() -> None:
    async with serving() as url:
        asker = Asker(url)
        posted = await asker.send(request_bytes(url, {"X-Key": "k"}, body={"query": "{ a }"}))
        got = await asker.send(request_bytes(url, {"X-Key": "k"}, params={"grid": "330"}))
        asker.close()
    first, second = data(posted.body), data(got.body)
    assert (posted.status, first["method"], first["body"]) == (200, "POST", {"query": "{ a }"})
    assert (second["method"], second["query"], second["key"]) == ("GET", {"grid": "330"}, "k")
    assert first["port"] == second["port"]  # the same connection


async def test_a_connection_the_server_closes_is_opened_again() -> None:
    async with serving() as url:
        asker = Asker(url)
        closed = await asker.send(request_bytes(url, {}, params={"close": "1"}))
        after = await asker.send(request_bytes(url, {}, params={}))
        asker.close()
    assert data(closed.body)["port"] != data(after.body)["port"]


async def test_errors_are_read_only_from_answers_that_have_them() -> None:
    async with serving() as url:
        asker = Asker(url)
        failed = await asker.send(request_bytes(url, {}, params={"fail": "1"}))
        fine = await asker.send(request_bytes(url, {}, params={}))
        asker.close()
    assert failed.errors() == [{"message": "no such grid"}]
    assert fine.errors() == []
