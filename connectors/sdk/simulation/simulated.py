"""What a connector's simulator gives the demo, the recorder and tests: ``Simulated``.

A connector that ships a simulator names it by an import reference, so the serving
path never imports simulator code::

    class WaterConnector(Connector):
        simulator = "hub_connector_water.simulated:SIMULATED"

    # hub_connector_water/simulated.py
    SIMULATED = Simulated(
        create_app=simulator.create_app,  # (settings, *, town) -> Starlette
        credentials={"api_key": simulator.DEMO_API_KEY},  # the connector's secret names
        grid_scheme=water_districts,  # (town, seed) -> GeoJSON, for the crosswalk
        seed_personal=seed_personal,  # (app, grid, lat, lon): a record with every personal field
        record=record_writes,  # (Recorder) -> exchanges beyond a list page and an item
    )
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from starlette.applications import Starlette

from connectors.sdk.registry import load_object
from connectors.sdk.simulation.app import SimulatorSettings
from connectors.sdk.simulation.recording import Recorder
from connectors.sdk.simulation.town import FeatureCollection

if TYPE_CHECKING:
    from connectors.sdk.connector import Connector


class AppFactory(Protocol):
    """Builds the simulator: a Starlette app on ``settings`` and the demo ``town``."""

    def __call__(self, settings: SimulatorSettings, *, town: FeatureCollection) -> Starlette: ...


SchemeBuilder = Callable[[FeatureCollection, int], FeatureCollection]
"""(town, seed) → the system's own grids as GeoJSON features with ``code`` and ``name``."""

PersonalSeeder = Callable[[Starlette, str, float, float], None]
"""(app, unified grid code, lat, lon): a new record at that point carrying every piece
of personal data the system has, for tests that must find such records."""

RecordingHook = Callable[[Recorder], Awaitable[None]]
"""Records what a list page and an item do not show: writes, refusals, change feeds."""


@dataclass(frozen=True)
class Simulated:
    """How a connector's simulator is built and used outside the serving path."""

    create_app: AppFactory
    credentials: Mapping[str, str] = field(default_factory=dict)  # the connector's secret names
    grid_scheme: SchemeBuilder | None = None
    seed_personal: PersonalSeeder | None = None
    record: RecordingHook | None = None


class SimulatorReferenceError(TypeError):
    """A connector's ``simulator`` does not name a ``Simulated``."""


def simulated_by(connector: type[Connector]) -> Simulated | None:
    """The ``Simulated`` a connector declares, imported now; None when it ships none."""
    if connector.simulator is None:
        return None
    found = load_object(connector.simulator)
    if not isinstance(found, Simulated):
        raise SimulatorReferenceError(
            f"{connector.name}: simulator {connector.simulator!r} is not a Simulated"
        )
    return found
