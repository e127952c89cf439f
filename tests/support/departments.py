"""Every installed connector's simulator beside a hub under test, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette

from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN, serve
from hub.app import create_app
from hub.config import Settings
from hub.demo.departments import lay_crosswalk
from hub.demo.simulators import DemoSystem, demo_apps, demo_systems
from tests.support.simulators import pinned_settings


@dataclass
class Departments:
    urls: dict[str, str]
    admin: dict[str, httpx.AsyncClient]
    apps: dict[str, Starlette]
    systems: dict[str, DemoSystem]

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

    def seed_personal_records(self, grid: str, lat: float, lon: float) -> None:
        """A new record in each system at (lat, lon), in unified grid ``grid``, carrying
        every piece of personal data its system has, by the connector's own
        ``seed_personal`` hook: tests that need such records seed them rather than hope
        the simulators' random history put some there."""
        for name, app in self.apps.items():
            seed = self.systems[name].simulated.seed_personal
            if seed is not None:
                seed(app, grid, lat, lon)


@asynccontextmanager
async def simulated_departments(town: dict[str, Any]) -> AsyncIterator[Departments]:
    systems = demo_systems()
    apps = demo_apps(pinned_settings(), town, systems)
    async with serve(apps) as urls:
        admin = {
            name: httpx.AsyncClient(base_url=url, headers={"X-Admin-Token": DEFAULT_ADMIN_TOKEN})
            for name, url in urls.items()
        }
        try:
            yield Departments(urls, admin, apps, systems)
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
