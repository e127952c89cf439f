"""``hub serve`` loads no simulator and no demo code: those ship for ``hub demo`` only;
nor the libraries only some requests need (openpyxl: a bulletin as a spreadsheet), nor
httpx's command-line client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.packages import run_apart

# What the ``hub`` entry point loads, then what ``hub serve`` builds before it listens.
SERVE = """
import json, sys
import hub.cli
from hub.app import create_app
from hub.cli.common import State
from hub.services import Services

services = Services.create(State(None).settings())
create_app(services=services)
print(json.dumps(sorted(sys.modules)))
"""

DEMO_ONLY = re.compile(
    r"^(hub\.demo|connectors\.sdk\.simulation)(\.|$)"  # the demo town, the simulation kit
    r"|^connectors\.\w+\.(simulator|simulated|data|scheme)$"  # each department's simulator
)


def loaded_by_serve(tmp_path: Path) -> list[str]:
    database = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    modules: list[str] = run_apart(
        SERVE, env={"HUB_DATABASE_URL": database, "HUB_LOG_LEVEL": "WARNING"}
    )
    return modules


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """What the serving app has loaded, once for the tests below."""
    return loaded_by_serve(tmp_path_factory.mktemp("serve"))


def test_the_serving_app_imports_no_simulator_or_demo_module(served: list[str]) -> None:
    # It did build the app, with the built-in connectors and the schema...
    assert {"hub.app", "schema", "connectors.police.connector", "connectors.sdk"} <= set(served)
    # ...and nothing that only the demo and the simulators need.
    assert [m for m in served if DEMO_ONLY.search(m)] == []


def test_the_serving_app_loads_openpyxl_only_when_a_spreadsheet_is_asked_for(
    served: list[str],
) -> None:
    assert "hub.reports.sheet" in served
    assert [m for m in served if m.split(".")[0] == "openpyxl"] == []


def test_the_pattern_names_the_demo_and_simulator_modules() -> None:
    demo_only = [
        "hub.demo",
        "connectors.sdk.simulation.demo_town",
        "connectors.sdk.simulation",
        "connectors.sdk.simulation.server",
        "connectors.police.simulator",
        "connectors.police.simulated",
        "connectors.health.data",
        "connectors.citymgmt.scheme",
    ]
    serving = ["hub.app", "hub.demographics", "connectors.police.connector", "connectors.sdk"]
    assert all(DEMO_ONLY.search(m) for m in demo_only)
    assert not any(DEMO_ONLY.search(m) for m in serving)


def test_httpx_leaves_its_command_line_client_and_what_it_draws_unloaded(
    served: list[str],
) -> None:
    assert "httpx" in served
    assert [m for m in served if m.split(".")[0] in ("rich", "pygments")] == []
