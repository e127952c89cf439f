"""The four department simulators beside a hub under test, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette

from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN
from hub.app import create_app
from hub.config import Settings
from hub.demo.departments import departments, lay_crosswalk


@dataclass
class Departments:
    urls: dict[str, str]
    admin: dict[str, httpx.AsyncClient]

    async def data_requests(self) -> dict[str, int]:
        """API requests each simulator has counted, the token endpoint aside."""
        counts = {}
        for name, admin in self.admin.items():
            routes = (await admin.get("/_admin/stats")).json()["routes"]
            counts[name] = sum(n for route, n in routes.items() if "/oauth/" not in route)
        return counts

    async def reset(self) -> None:
        for admin in self.admin.values():
            await admin.post("/_admin/stats/reset")

    async def fail(self, name: str) -> None:
        await self.admin[name].post("/_admin/faults", json={"error_rate": 1.0})

    async def heal(self, name: str) -> None:
        await self.admin[name].delete("/_admin/faults")


@asynccontextmanager
async def simulated_departments(town: dict[str, Any]) -> AsyncIterator[Departments]:
    async with departments(town) as urls:
        admin = {
            name: httpx.AsyncClient(base_url=url, headers={"X-Admin-Token": DEFAULT_ADMIN_TOKEN})
            for name, url in urls.items()
        }
        try:
            yield Departments(urls, admin)
        finally:
            for client in admin.values():
                await client.aclose()


@asynccontextmanager
async def wired_app(settings: Settings, town: dict[str, Any]) -> AsyncIterator[Starlette]:
    """The hub on ``settings`` with its lifespan started and its crosswalk laid from the
    simulators' schemes, so connectors can ask each system in its own grid codes."""
    app: Starlette = create_app(settings)
    services = app.state.services
    async with app.router.lifespan_context(app):
        await lay_crosswalk(services.crosswalk, town)
        await services.connectors.attach(services.crosswalk, services.registry)
        yield app
