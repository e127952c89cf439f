"""Fixtures of the graph tests: the SQL the app sends, a client per test principal, and
reading answers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from starlette.applications import Starlette

from hub.services import Services
from tests.conftest import GraphQLClient
from tests.support.principals import bearer

As = Callable[[str], Any]


@pytest.fixture
def services(app: Starlette) -> Services:
    return app.state.services  # type: ignore[no-any-return]


@pytest.fixture
async def as_(app: Starlette, keys: dict[str, str]) -> AsyncIterator[As]:
    """A GraphQL client per test principal."""
    clients: dict[str, GraphQLClient] = {}
    async with _clients(app) as make:

        def client(name: str) -> GraphQLClient:
            if name not in clients:
                clients[name] = GraphQLClient(make(bearer(keys[name], purpose="tests")))
            return clients[name]

        yield client


@asynccontextmanager
async def _clients(app: Starlette) -> AsyncIterator[Callable[[dict[str, str]], httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []

    def make(headers: dict[str, str]) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test", headers=headers
        )
        opened.append(http)
        return http

    try:
        yield make
    finally:
        for http in opened:
            await http.aclose()


def data(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body["errors"]
    return body["data"][field]


def error(body: dict[str, Any]) -> dict[str, Any]:
    (found,) = body["errors"]
    return found["extensions"]  # type: ignore[no-any-return]


@pytest.fixture
def statements(app: Starlette) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the test runs."""
    seen: list[str] = []
    engine = app.state.services.database.engine.sync_engine

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)
