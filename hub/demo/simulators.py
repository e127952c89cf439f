"""The demo's department systems: every installed connector that ships a simulator.

A connector names its ``connectors.sdk.simulation.Simulated`` in its ``simulator``
attribute; ``demo_systems()`` loads them, and the rest of the demo, the recorder and the
tests take whatever it finds, built-in or third-party alike. ``hub demo`` serves
``demo_apps()`` with ``serve`` and lays ``demo_schemes()`` over the unified grids
(``import_demo_schemes``), so the hub meets the departments exactly as it would meet the
real ones: over HTTP, in their own grid codes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette

from connectors.sdk import Connector, ConnectorSettings, discover
from connectors.sdk.simulation import (
    FeatureCollection,
    Simulated,
    SimulatorSettings,
    generate_town,
    simulated_by,
)
from hub.crosswalk import Crosswalk, SchemeImportResult


@dataclass(frozen=True)
class DemoSystem:
    """A connector and the simulator it ships."""

    connector: type[Connector]
    simulated: Simulated

    @property
    def scheme_name(self) -> str:
        """The crosswalk's name for the system's grids, as the connector reads them."""
        return self.connector.grid_scheme or self.connector.department

    @property
    def grid_fields(self) -> list[str]:
        """The streams' fields on ``Grid`` (as declared, snake case)."""
        return [stream.graph_name for stream in self.connector.streams if stream.graph_name]


DemoSystems = Mapping[str, DemoSystem]


def demo_systems(classes: Iterable[type[Connector]] | None = None) -> dict[str, DemoSystem]:
    """Each connector (default: the installed ones) that ships a simulator, by name."""
    found = {}
    for connector in discover() if classes is None else classes:
        simulated = simulated_by(connector)
        if simulated is not None:
            found[connector.name] = DemoSystem(connector, simulated)
    return found


def demo_apps(
    settings: SimulatorSettings | None = None,
    town: FeatureCollection | None = None,
    systems: DemoSystems | None = None,
) -> dict[str, Starlette]:
    """Every simulator by connector name, on one town, with its demo credentials."""
    town = town or generate_town()
    settings = settings or SimulatorSettings()
    systems = demo_systems() if systems is None else systems
    return {
        name: system.simulated.create_app(settings, town=town) for name, system in systems.items()
    }


def demo_credentials(systems: DemoSystems | None = None) -> dict[str, dict[str, str]]:
    """Each connector's credentials for its simulator, by the names the connector reads."""
    systems = demo_systems() if systems is None else systems
    return {name: dict(system.simulated.credentials) for name, system in systems.items()}


class DemoCredentialsError(ValueError):
    """A connector's demo credentials lack what its ``authenticate`` reads."""


def demo_auth(
    system: str,
    base_url: str,
    clock: Callable[[], float] = time.time,
    systems: DemoSystems | None = None,
) -> httpx.Auth | None:
    """How the connector proves itself to its simulator at ``base_url`` with the demo
    credentials: the connector's own ``authenticate``. ``clock`` (Unix seconds) is what
    auth that stamps requests with the time reads."""
    found = (demo_systems() if systems is None else systems)[system]
    credentials = {key: SecretStr(value) for key, value in found.simulated.credentials.items()}
    settings = ConnectorSettings(base_url=base_url, credentials=credentials)
    connector = found.connector(settings, wall_clock=clock)  # its client is never opened
    if connector.problem:
        raise DemoCredentialsError(f"{system}: {connector.problem}")
    return connector.client.auth


def demo_schemes(
    town: FeatureCollection | None = None,
    seed: int | None = None,
    systems: DemoSystems | None = None,
) -> dict[str, FeatureCollection]:
    """Each system's own grids by the crosswalk's scheme name, as its simulator uses
    them; systems without grids of their own have none."""
    town = town or generate_town()
    seed = SimulatorSettings().seed if seed is None else seed
    systems = demo_systems() if systems is None else systems
    return {
        system.scheme_name: system.simulated.grid_scheme(town, seed)
        for system in systems.values()
        if system.simulated.grid_scheme is not None
    }


async def import_demo_schemes(
    crosswalk: Crosswalk,
    town: FeatureCollection | None = None,
    seed: int | None = None,
    systems: DemoSystems | None = None,
) -> list[SchemeImportResult]:
    """Lay the demo's schemes over the unified grids (the registry must hold the town)."""
    schemes = demo_schemes(town, seed, systems)
    return [
        await crosswalk.import_scheme(name, scheme, source=f"demo {name} scheme")
        for name, scheme in schemes.items()
    ]
