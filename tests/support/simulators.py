"""Talking to the department simulators in tests: the demo's credentials, the admin API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import ASGIApp

from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN, SimulatorSettings
from hub.demo.simulators import demo_auth, demo_systems
from tests.support.openapi import OpenApi

SYSTEMS = ("police", "citymgmt", "petition", "health")  # the built-in simulated systems
BASE_URL = "http://simulator.test"
ADMIN = {"X-Admin-Token": DEFAULT_ADMIN_TOKEN}
HISTORY_END = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # a Monday, 12:00 in Beijing
"""Where the simulators' seeded history ends in tests, whatever the day they run: the
same records every day (left to the clock, what is seeded moves with the date)."""


def pinned_settings() -> SimulatorSettings:
    """Simulator settings whose seeded history ends at ``HISTORY_END``; the clock that
    stamps new records and checks credentials stays the wall clock."""
    return SimulatorSettings(as_of=HISTORY_END)


def contract(system: str) -> OpenApi:
    """The OpenAPI document of an installed connector's system."""
    return OpenApi(demo_systems()[system].connector.contract_file)


@asynccontextmanager
async def client(
    system: str, app: ASGIApp, auth: httpx.Auth | None = None, base_url: str = BASE_URL
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of ``app`` with the demo's credentials for ``system`` (or ``auth``)."""
    transport = httpx.ASGITransport(app=app)
    auth = auth or demo_auth(system, base_url)
    async with httpx.AsyncClient(transport=transport, base_url=base_url, auth=auth) as http:
        yield http


async def admin(http: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
    response = await http.request(method, f"/_admin/{path}", json=body, headers=ADMIN)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def simulator_fixtures(system: str, create_app: Callable[..., Starlette]) -> tuple[Any, Any, Any]:
    """One simulator's test fixtures: ``shared`` (one system per module, for tests that
    only read), ``reader`` (a client of it) and ``http`` (a client of a fresh system, for
    tests that write)::

        shared, reader, http = simulator_fixtures("police", create_app)
    """

    @pytest.fixture(scope="module")
    def shared(town_document: dict[str, Any]) -> Starlette:
        return create_app(pinned_settings(), town=town_document)

    @pytest.fixture
    async def reader(shared: Starlette) -> AsyncIterator[httpx.AsyncClient]:
        async with client(system, shared) as http:
            yield http

    @pytest.fixture
    async def http(town_document: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
        async with client(system, create_app(pinned_settings(), town=town_document)) as fresh:
            yield fresh

    return shared, reader, http
