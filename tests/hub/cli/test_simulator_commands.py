"""``hub connectors record`` and ``hub demo``'s simulator ports, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import hub


def test_record_writes_a_connectors_examples_where_it_is_told(tmp_path: Path) -> None:
    code, out, _ = hub("connectors", "record", "police", "--output", str(tmp_path))
    assert code == 0
    folder = tmp_path / "police" / "examples"
    written = sorted(p.name for p in folder.glob("*.json"))
    assert out.strip() == f"recorded {len(written)} exchanges of 1 systems"
    assert {"incidents-list.json", "incidents-item.json", "create.json"} <= set(written)
    assert [p.name for p in tmp_path.iterdir()] == ["police"]
    page = json.loads((folder / "incidents-list.json").read_text(encoding="utf-8"))
    assert page["request"]["query"]["size"] == "2"


def test_record_refuses_a_connector_without_a_simulator() -> None:
    code, _, err = hub("connectors", "record", "nosuch")
    assert code == 2
    assert "nosuch" in err


@pytest.mark.parametrize(
    ("option", "message"),
    [("police", "NAME=PORT"), ("police=http", "NAME=PORT"), ("nosuch=9000", "nosuch")],
)
def test_demo_refuses_a_simulator_port_it_cannot_use(
    option: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = hub("demo", "--simulator-port", option)
    assert code != 0
    assert message in err
    assert not (tmp_path / "var").exists()  # refused before anything was made
