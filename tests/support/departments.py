"""The four department simulators beside a hub under test, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import httpx
from starlette.applications import Starlette

from connectors.citymgmt.data import TREE, NewCase
from connectors.health.data import FOLLOW_UP_TYPES, NewTask, Resident
from connectors.petition.data import CATALOGUE, Citizen, NewOrder
from connectors.police.data import CATEGORIES, NewIncident
from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN, serve
from hub.app import create_app
from hub.config import Settings
from hub.demo.departments import lay_crosswalk
from hub.demo.simulators import demo_apps
from tests.support.simulators import pinned_settings


@dataclass
class Departments:
    urls: dict[str, str]
    admin: dict[str, httpx.AsyncClient]
    apps: dict[str, Starlette]

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
        every piece of personal data its system has: tests that need such records seed
        them rather than hope the simulators' random history put some there."""
        police = self.apps["police"].state.system
        police.data.register(
            NewIncident(
                category=CATEGORIES[0].code,
                summary="邻里纠纷",
                description="报警人称楼上住户深夜吵闹引发争执",
                lat=lat,
                lon=lon,
                address="云溪街道文一路88号3幢2单元502室",
                caller=("李建国", "13900001111"),
            ),
            None,
            police.clock,
        )
        city = self.apps["citymgmt"].state.system
        city.data.register(
            NewCase(
                category=next(c.code for c in TREE if c.limit),
                description="井盖缺失",
                address="云溪街道文一路88号东侧",
                lon=lon,
                lat=lat,
                reporter=("陈美玲", "13900002222"),
            ),
            None,
            city.clock,
        )
        self._seed_petition(grid, lat, lon)
        self._seed_health(lat, lon)

    def _seed_petition(self, grid: str, lat: float, lon: float) -> None:
        petition = self.apps["petition"].state.system
        category = CATALOGUE[0]
        petition.data.register(
            NewOrder(
                appeal_type=category.appeal,
                category=category.code,
                title=category.title,
                content="来电人反映小区电梯长期故障不修",
                community=petition.data.town.communities[grid[:12]],
                address="云溪街道文一路88号3幢2单元1201室",
                point=(lon, lat),
                citizen=Citizen("赵丽华", "13900003333", "330199196805120028"),
                channel="WECHAT",
            ),
            None,
            petition.clock,
        )

    def _seed_health(self, lat: float, lon: float) -> None:
        health = self.apps["health"].state.system
        kind = FOLLOW_UP_TYPES[0]
        task = health.data.register(
            NewTask(kind.code, kind.description, lon, lat, None, "routine", (), ()), health.clock
        )
        resident = Resident(
            name="孙桂兰",
            phone="13900004444",
            id_number="330199194403150049",
            male=False,
            birth=date(1944, 3, 15),
            address="云溪街道文一路88号3幢1单元101室",
            condition=kind.conditions[0],
            kind=kind,
        )
        health.data.tasks[task.id] = replace(task, resident=resident)


@asynccontextmanager
async def simulated_departments(town: dict[str, Any]) -> AsyncIterator[Departments]:
    apps = demo_apps(pinned_settings(), town)
    async with serve(apps) as urls:
        admin = {
            name: httpx.AsyncClient(base_url=url, headers={"X-Admin-Token": DEFAULT_ADMIN_TOKEN})
            for name, url in urls.items()
        }
        try:
            yield Departments(urls, admin, apps)
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
