"""The demo's department systems: every installed simulator on loopback, the crosswalk
laid from their grid schemes, and connector settings that point the hub at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from connectors.sdk import ConnectorsSettings
from connectors.sdk.simulation import SimulatorSettings, serve
from hub.config import Settings
from hub.crosswalk import Crosswalk
from hub.demo.simulators import DemoSystems, demo_apps, demo_credentials, import_demo_schemes


def simulator_ports(
    names: Iterable[str], first: int, given: Mapping[str, int] | None = None
) -> dict[str, int]:
    """A port for each simulator: ``given`` ones as given, the others one after another
    from ``first`` in name order, skipping the given ones; ``first`` 0: any free port."""
    given = dict(given or {})
    taken = set(given.values())
    ports: dict[str, int] = {}
    following = first
    for name in sorted(names):
        if name in given:
            ports[name] = given[name]
            continue
        while first and following in taken:
            following += 1
        ports[name] = following
        taken.add(following)
        following += 1 if first else 0
    return ports


@asynccontextmanager
async def departments(
    town: Any,
    simulator: SimulatorSettings | None = None,
    ports: Mapping[str, int] | None = None,
    systems: DemoSystems | None = None,
) -> AsyncIterator[dict[str, str]]:
    """Every simulator, served (on ``ports``, or any free ones); yields their base URLs by
    connector name."""
    async with serve(demo_apps(simulator, town, systems), ports) as urls:
        yield urls


def pointed_at(
    settings: Settings, urls: Mapping[str, str], systems: DemoSystems | None = None
) -> Settings:
    """``settings`` with each demo connector aimed at its simulator with its demo
    credentials, unless the settings already name a base URL or credentials for it."""
    credentials = demo_credentials(systems)
    current = settings.connectors.model_dump()
    for name, url in urls.items():
        given = current.get(name) or {}
        current[name] = {
            **given,
            "base_url": given.get("base_url") or url,
            "credentials": given.get("credentials") or credentials[name],
        }
    return settings.model_copy(update={"connectors": ConnectorsSettings.model_validate(current)})


async def lay_crosswalk(
    crosswalk: Crosswalk, town: Any, systems: DemoSystems | None = None
) -> None:
    """The simulators' grid schemes over the unified grids, unless already laid."""
    await crosswalk.refresh()
    if crosswalk.revision == 0:
        await import_demo_schemes(crosswalk, town, systems=systems)
