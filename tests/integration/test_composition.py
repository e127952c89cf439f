"""The published SDL composes, with the libraries gateways compose with (scripts/federation).

The other side here is JavaScript: Apollo's composition (Apollo Router, Apollo Gateway,
Rover) and The Guild's (Hive Gateway), at the versions scripts/federation.d pins. The
test runs the project's script as CI does, then holds its report to what the hub
promises: no error anywhere, no hint that the allow-list does not explain, and an SDL
for Apollo Gateway whose supergraph that gateway loads.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from hub.core.paths import PROJECT_ROOT
from tests.support.components import node_packages

pytestmark = pytest.mark.integration

SCRIPT = PROJECT_ROOT / "scripts" / "federation"
PACKAGES = PROJECT_ROOT / "scripts" / "federation.d"
ALLOWED_HINTS = PACKAGES / "allowed-hints.json"
LIBRARIES = ("apollo", "guild")
REQUIRES_SCOPES = "https://specs.apollo.dev/requiresScopes/"


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    installed = PACKAGES / "node_modules" / ".inputs"
    node_packages("The composition libraries", installed, "scripts/federation --install")
    done = subprocess.run(
        [str(SCRIPT), "--json"], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode in (0, 1), f"scripts/federation could not run:\n{done.stderr}"
    found: dict[str, Any] = json.loads(done.stdout)
    found["exit_status"] = done.returncode
    return found


def variant(report: dict[str, Any], apollo_gateway: bool) -> dict[str, Any]:
    found: dict[str, Any] = report["variants"][1 if apollo_gateway else 0]
    return found


def test_both_libraries_compose_both_sdls_without_an_error(report: dict[str, Any]) -> None:
    assert len(report["variants"]) == 2
    for each in report["variants"]:
        assert set(each["libraries"]) == set(LIBRARIES)
        for library in each["libraries"].values():
            assert library["errors"] == [], (each["label"], library["package"])
    assert (report["problems"], report["exit_status"]) == ([], 0)


def test_every_hint_is_explained_in_the_allow_list(report: dict[str, Any]) -> None:
    allowed = json.loads(ALLOWED_HINTS.read_text(encoding="utf-8"))
    assert all(len(entry["reason"]) > 40 for entry in allowed), "say why each is harmless"
    for each in report["variants"]:
        for name, library in each["libraries"].items():
            for hint in library["hints"]:
                assert any(
                    entry["library"] == name
                    and entry["code"] == hint["code"]
                    and entry["message"] in hint["message"]
                    for entry in allowed
                ), f"unexplained {name} hint {hint['code']}: {hint['message']}"
    assert report["staleHints"] == [], "an allow-list entry no hint needs any more"


def test_the_published_supergraph_carries_the_scopes(report: dict[str, Any]) -> None:
    published = variant(report, apollo_gateway=False)
    for library in published["libraries"].values():
        assert any(link.startswith(REQUIRES_SCOPES) for link in library["links"])
    # Which is why Apollo Gateway needs the other SDL.
    assert "requiresScopes" in published["apolloGateway"]["refusal"]


def test_without_auth_directives_apollo_gateway_loads_the_supergraph(
    report: dict[str, Any],
) -> None:
    for_gateway = variant(report, apollo_gateway=True)
    for library in for_gateway["libraries"].values():
        assert not any(link.startswith(REQUIRES_SCOPES) for link in library["links"])
        assert any(link.startswith("https://specs.apollo.dev/cost/") for link in library["links"])
    assert for_gateway["apolloGateway"]["refusal"] is None


def test_the_pinned_versions_are_the_ones_composing(report: dict[str, Any]) -> None:
    pinned = json.loads((PACKAGES / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for library in report["variants"][0]["libraries"].values():
        assert pinned[library["package"]] == library["version"]
