"""``hub connector new``: the scaffold passes its own tests at once, and lints clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.sdk.scaffold import ScaffoldError, scaffold
from hub.cli import app
from hub.core.paths import PROJECT_ROOT

pytestmark = pytest.mark.integration


def test_the_scaffold_passes_its_own_tests(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["connector", "new", "water", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "hub-connector-water"
    assert (root / "hub_connector_water" / "contract.openapi.yaml").is_file()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(PROJECT_ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 passed" in done.stdout.splitlines()[-1]
    for lint in (["check", "--select", "E,F,I,B,UP,RUF"], ["format", "--check"]):
        linted = subprocess.run(
            [sys.executable, "-m", "ruff", *lint, "."],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert linted.returncode == 0, linted.stdout


def test_a_bad_or_taken_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="lowercase"):
        scaffold("Water!", tmp_path)
    scaffold("gas", tmp_path)
    with pytest.raises(ScaffoldError, match="exists"):
        scaffold("gas", tmp_path)
    result = CliRunner().invoke(app, ["connector", "new", "gas", "--output", str(tmp_path)])
    assert result.exit_code == 2


def test_the_scaffold_builds_on_the_sdk_and_the_core_only(tmp_path: Path) -> None:
    """A new connector's package imports nothing above the SDK: not the graph, not the
    hub's services (its tests may use the standard suite in connectors.testing)."""
    scaffold("water", tmp_path)
    package = tmp_path / "hub-connector-water" / "hub_connector_water"
    imported = {
        line.split()[1]
        for path in package.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith(("from ", "import "))
    }
    ours = {m for m in imported if m.split(".")[0] in {"hub", "connectors", "schema"}}
    assert ours, "the scaffold imports the SDK"
    assert {m for m in ours if not m.startswith(("connectors.sdk", "hub.core"))} == set()
