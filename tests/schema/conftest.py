"""Fixtures of the graph tests: the SQL the app sends, a client per test principal, and
reading answers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
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


class Statements:
    """The SQL sent on behalf of the code run inside ``during()``.

    Only what that code (and the tasks it starts) sends is kept: the bus's own tasks
    read the same tables at the same time, and are not what a test of a request counts.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._recording: ContextVar[bool] = ContextVar("recording", default=False)

    def record(self, *args: object) -> None:
        if self._recording.get():
            self.seen.append(str(args[2]))

    @asynccontextmanager
    async def during(self) -> AsyncIterator[list[str]]:
        token = self._recording.set(True)
        try:
            yield self.seen
        finally:
            self._recording.reset(token)


@pytest.fixture
def statements(app: Starlette) -> Iterator[Statements]:
    """Every SQL statement the app sends while a test's request runs."""
    log = Statements()
    engine = app.state.services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", log.record)
    yield log
    event.remove(engine, "before_cursor_execute", log.record)
