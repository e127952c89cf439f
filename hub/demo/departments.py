"""The demo's department systems: four simulators on loopback, the crosswalk laid from
their grid schemes, and connector settings that point the hub at them over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from connectors.citymgmt import simulator as citymgmt
from connectors.health import simulator as health
from connectors.petition import simulator as petition
from connectors.police import simulator as police
from connectors.sdk import ConnectorsSettings
from connectors.sdk.simulation import SimulatorSettings, serve
from hub.config import Settings
from hub.crosswalk import Crosswalk
from hub.demo.simulators import demo_apps, import_demo_schemes

DEMO_CREDENTIALS: dict[str, dict[str, str]] = {
    "police": {"api_key": police.DEMO_API_KEY},
    "citymgmt": {
        "client_id": citymgmt.DEMO_CLIENT_ID,
        "client_secret": citymgmt.DEMO_CLIENT_SECRET,
    },
    "petition": {"username": petition.DEMO_USER, "password": petition.DEMO_PASSWORD},
    "health": {"key_id": health.DEMO_KEY_ID, "secret": health.DEMO_KEY_SECRET},
}


@asynccontextmanager
async def departments(
    town: Any,
    simulator: SimulatorSettings | None = None,
    ports: Mapping[str, int] | None = None,
) -> AsyncIterator[dict[str, str]]:
    """The four simulators, served; yields their base URLs by department."""
    async with serve(demo_apps(simulator, town), ports) as urls:
        yield urls


def pointed_at(settings: Settings, urls: Mapping[str, str]) -> Settings:
    """``settings`` with each demo connector aimed at its simulator, unless the settings
    already name a base URL for it."""
    current = settings.connectors.model_dump()
    for name, url in urls.items():
        given = current.get(name) or {}
        current[name] = {
            **given,
            "base_url": given.get("base_url") or url,
            "credentials": given.get("credentials") or DEMO_CREDENTIALS[name],
        }
    return settings.model_copy(update={"connectors": ConnectorsSettings.model_validate(current)})


async def lay_crosswalk(crosswalk: Crosswalk, town: Any) -> None:
    """The simulators' grid schemes over the unified grids, unless already laid."""
    await crosswalk.refresh()
    if crosswalk.revision == 0:
        await import_demo_schemes(crosswalk, town)
