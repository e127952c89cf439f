"""``hub crosswalk import`` and ``hub crosswalk show``, as an operator uses them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.demo.simulators import demo_schemes
from tests.support.cli import hub


@pytest.fixture
def registry(env: Path, town_file: Path) -> Path:
    assert hub("db", "upgrade")[0] == 0
    assert hub("grids", "import", str(town_file))[0] == 0
    return env


def write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_then_show_both_ways(registry: Path, town_document: dict[str, Any]) -> None:
    police = write(registry, "police.geojson", demo_schemes(town_document)["police"])
    code, out, _ = hub("crosswalk", "import", "police", str(police))
    assert code == 0
    assert out.startswith("imported 20 police grids, ")
    assert out.endswith("overlaps with unified grids; crosswalk revision 1\n")
    code, out, _ = hub("crosswalk", "show", "330199001001001")
    assert code == 0
    assert out.startswith("330199001001001  overlapped by ")
    assert "police     JG-YX-" in out
    code, out, _ = hub("crosswalk", "show", "JG-YX-01")
    assert code == 0
    assert out.splitlines()[0].startswith("police JG-YX-01  overlaps ")
    assert "records without a location go to 330199001" in out


def test_a_bad_scheme_is_refused_with_its_reasons(
    registry: Path, town_document: dict[str, Any]
) -> None:
    scheme = demo_schemes(town_document)["health"]
    scheme["features"][1]["properties"]["code"] = scheme["features"][0]["properties"]["code"]
    bad = write(registry, "health.geojson", scheme)
    code, _, err = hub("crosswalk", "import", "health", str(bad))
    assert code == 2
    assert "import rejected, 1 error(s)" in err
    assert "YXWS-01: code appears twice in the file" in err
    assert hub("crosswalk", "show", "YXWS-01")[0] == 1


def test_an_unknown_department_and_odd_codes_are_refused(
    registry: Path, town_document: dict[str, Any]
) -> None:
    police = write(registry, "police.geojson", demo_schemes(town_document)["police"])
    code, _, err = hub("crosswalk", "import", "airport", str(police))
    assert code == 2
    assert "unknown department 'airport'" in err
    assert hub("crosswalk", "show", "330199001001")[0] == 2
    code, _, err = hub("crosswalk", "show", "JG-XX-99")
    assert code == 1
    assert "no crosswalk entries for JG-XX-99" in err
