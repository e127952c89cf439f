"""The demo's four department systems: their simulators, and their grid schemes.

``hub demo`` serves ``demo_apps()`` with ``serve`` and imports ``demo_schemes()`` into
the crosswalk (``import_demo_schemes``), so the hub meets the departments exactly as
it would meet the real ones: over HTTP, in their own grid codes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from starlette.applications import Starlette

from connectors.citymgmt import simulator as citymgmt
from connectors.citymgmt.scheme import unit_grids
from connectors.health import simulator as health
from connectors.health.scheme import service_areas
from connectors.petition import simulator as petition
from connectors.police import simulator as police
from connectors.police.scheme import police_grids
from connectors.sdk import ApiKeyAuth, HmacSignatureAuth, OAuth2ClientCredentials
from connectors.sdk.simulation import SimulatorSettings
from connectors.sdk.simulation.demo_town import generate_town
from connectors.sdk.simulation.town import FeatureCollection
from hub.crosswalk import Crosswalk, SchemeImportResult


def demo_apps(
    settings: SimulatorSettings | None = None, town: FeatureCollection | None = None
) -> dict[str, Starlette]:
    """The four simulators by department code, on one town, with the demo's credentials."""
    town = town or generate_town()
    settings = settings or SimulatorSettings()
    return {
        "police": police.create_app(settings, town=town),
        "citymgmt": citymgmt.create_app(settings, town=town),
        "petition": petition.create_app(settings, town=town),
        "health": health.create_app(settings, town=town),
    }


def demo_auth(system: str, base_url: str, clock: Callable[[], float] = time.time) -> httpx.Auth:
    """How a client proves itself to a demo simulator with the demo's credentials;
    ``clock`` (Unix seconds) is what the health signature is stamped with."""
    if system == "police":
        return ApiKeyAuth(police.DEMO_API_KEY)
    if system == "citymgmt":
        return OAuth2ClientCredentials(
            f"{base_url}/oauth/token", citymgmt.DEMO_CLIENT_ID, citymgmt.DEMO_CLIENT_SECRET
        )
    if system == "petition":
        return httpx.BasicAuth(petition.DEMO_USER, petition.DEMO_PASSWORD)
    if system == "health":
        return HmacSignatureAuth(health.DEMO_KEY_ID, health.DEMO_KEY_SECRET, clock=clock)
    raise KeyError(f"no demo system {system!r}")


def demo_schemes(
    town: FeatureCollection | None = None, seed: int | None = None
) -> dict[str, FeatureCollection]:
    """Each department's own grids (the hotline has none), as the simulators use them."""
    town = town or generate_town()
    seed = SimulatorSettings().seed if seed is None else seed
    return {
        "police": police_grids(town, seed),
        "citymgmt": unit_grids(town, seed),
        "health": service_areas(town, seed),
    }


async def import_demo_schemes(
    crosswalk: Crosswalk, town: FeatureCollection | None = None, seed: int | None = None
) -> list[SchemeImportResult]:
    """Lay the demo's schemes over the unified grids (the registry must hold the town)."""
    schemes = demo_schemes(town, seed)
    return [
        await crosswalk.import_scheme(department, scheme, source=f"demo {department} scheme")
        for department, scheme in schemes.items()
    ]
