"""The demo takes any connector that ships a simulator, named by its ``simulator``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sdk.simulation import SimulatorReferenceError, serve
from hub.config import Settings
from hub.demo.departments import pointed_at, simulator_ports
from hub.demo.simulators import demo_apps, demo_auth, demo_schemes, demo_systems
from tests.hub.demo.water import (
    DEMO_KEY,
    SEEDED,
    Misdeclared,
    Unsimulated,
    WaterConnector,
)
from tests.support.departments import Departments


def test_a_connector_with_a_simulator_joins_and_one_without_does_not() -> None:
    systems = demo_systems([WaterConnector, Unsimulated])
    assert list(systems) == ["water"]
    assert systems["water"].connector is WaterConnector
    assert systems["water"].simulated.credentials == {"api_key": DEMO_KEY}
    assert systems["water"].grid_fields == []  # its stream is not on Grid


def test_a_simulator_reference_to_anything_else_is_refused() -> None:
    with pytest.raises(SimulatorReferenceError, match="misdeclared"):
        demo_systems([Misdeclared])


def test_the_installed_built_ins_are_found_without_being_named() -> None:
    assert {"police", "citymgmt", "petition", "health"} <= set(demo_systems())


async def test_its_simulator_is_served_and_answers_the_connectors_own_auth(
    town_document: dict[str, Any],
) -> None:
    systems = demo_systems([WaterConnector])
    async with serve(demo_apps(town=town_document, systems=systems)) as urls:
        url = urls["water"]
        auth = demo_auth("water", url, systems=systems)
        async with httpx.AsyncClient(base_url=url, auth=auth) as http:
            assert (await http.get("/leaks")).status_code == 200
        async with httpx.AsyncClient(base_url=url) as anonymous:
            assert (await anonymous.get("/leaks")).status_code == 401


def test_its_grid_scheme_is_laid_under_the_connectors_scheme_name(
    town_document: dict[str, Any],
) -> None:
    schemes = demo_schemes(town_document, seed=7, systems=demo_systems([WaterConnector]))
    assert list(schemes) == ["water-districts"]
    assert schemes["water-districts"]["seed"] == 7


def test_the_hub_is_pointed_at_it_with_its_demo_credentials() -> None:
    systems = demo_systems([WaterConnector])
    settings = pointed_at(Settings(), {"water": "http://127.0.0.1:9"}, systems)
    water = settings.connectors.of("water")
    assert water.base_url == "http://127.0.0.1:9"
    assert water.credentials["api_key"].get_secret_value() == DEMO_KEY


def test_settings_that_name_a_system_are_kept() -> None:
    given = Settings.model_validate({"connectors": {"water": {"base_url": "http://real.test"}}})
    settings = pointed_at(given, {"water": "http://127.0.0.1:9"}, demo_systems([WaterConnector]))
    assert settings.connectors.of("water").base_url == "http://real.test"


def test_ports_follow_one_another_from_the_first_but_for_those_given() -> None:
    names = ["police", "water", "citymgmt", "health"]
    ports = simulator_ports(names, 8101, {"health": 8102})
    assert ports == {"citymgmt": 8101, "health": 8102, "police": 8103, "water": 8104}
    assert set(simulator_ports(names, 0).values()) == {0}  # any free port


def test_personal_records_are_seeded_by_each_connectors_hook(
    town_document: dict[str, Any],
) -> None:
    systems = demo_systems([WaterConnector, Unsimulated])
    apps = demo_apps(town=town_document, systems=systems)
    departments = Departments({}, {}, apps, systems)
    departments.seed_personal_records("330199001001001", 30.3, 120.05)
    assert SEEDED[-1] == ("330199001001001", 30.3, 120.05)
