"""Talking to the department simulators in tests: the demo's credentials, the admin API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.types import ASGIApp

from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN
from connectors.sdk.simulation.demo import demo_auth
from hub.paths import CONTRACTS_DIR
from tests.support.openapi import OpenApi

SYSTEMS = ("police", "citymgmt", "petition", "health")
BASE_URL = "http://simulator.test"
ADMIN = {"X-Admin-Token": DEFAULT_ADMIN_TOKEN}


def contract(system: str) -> OpenApi:
    return OpenApi(CONTRACTS_DIR / "upstream" / f"{system}.openapi.yaml")


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
