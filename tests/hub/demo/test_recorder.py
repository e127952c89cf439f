"""Recording takes any simulated connector: a page and an item of each stream, with the
headers its contract declares, its own hook, and the failures every system shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.demo.recorder import examples_folder, record_all
from hub.demo.simulators import demo_systems
from tests.hub.demo.water import WaterConnector


def recorded(folder: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}


async def test_a_connector_the_hub_does_not_ship_is_recorded(tmp_path: Path) -> None:
    written = await record_all(tmp_path, demo_systems([WaterConnector]))
    folder = tmp_path / "water" / "examples"
    assert examples_folder(WaterConnector, tmp_path) == folder
    found = recorded(folder)
    assert set(found) == {
        "leaks-list",
        "leaks-item",
        "close-valve",
        "unauthorized",
        "rate-limited",
        "unavailable",
    }
    assert sorted(written) == sorted(folder.glob("*.json"))
    page = found["leaks-list"]
    assert page["request"]["query"] == {"page": "1", "size": "2"}
    assert [leak["id"] for leak in page["response"]["body"]] == ["L1", "L2"]
    assert found["leaks-item"]["request"]["path"] == "/leaks/L1"


async def test_the_headers_the_contract_declares_are_kept_and_no_others(tmp_path: Path) -> None:
    await record_all(tmp_path, demo_systems([WaterConnector]))
    found = recorded(tmp_path / "water" / "examples")
    assert found["leaks-list"]["response"]["headers"] == {
        "content-type": "application/json",
        "link": '</leaks?page=2&size=2>; rel="next"',
        "x-total-count": "5",
    }
    assert found["close-valve"]["response"]["headers"]["location"] == "/valves/V1"
    assert "retry-after" in found["rate-limited"]["response"]["headers"]
    assert set(found["leaks-item"]["response"]["headers"]) == {"content-type"}


async def test_no_credential_is_recorded(tmp_path: Path) -> None:
    await record_all(tmp_path, demo_systems([WaterConnector]))
    for exchange in recorded(tmp_path / "water" / "examples").values():
        assert "x-api-key" not in {h.lower() for h in exchange["request"]["headers"]}
        assert "water-demo-key" not in json.dumps(exchange)


def test_examples_live_beside_the_contract_by_default() -> None:
    assert examples_folder(WaterConnector) == WaterConnector.contract_file.parent / "examples"
