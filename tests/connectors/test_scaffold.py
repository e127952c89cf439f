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
