"""``hub connector new``: the scaffold passes its own tests at once, and lints clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.sdk.scaffold import ScaffoldError, scaffold
from hub.cli import app
from tests.support.packages import run_tool

pytestmark = pytest.mark.integration


def test_the_scaffold_passes_its_own_tests_lint_and_types(tmp_path: Path) -> None:
    """In a fresh directory, with no ``pip install -e .`` and no PYTHONPATH: the package's
    own pytest, ruff and strict mypy configuration pass against the installed hub."""
    result = CliRunner().invoke(app, ["connector", "new", "water", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "hub-connector-water"
    assert (root / "hub_connector_water" / "contract.openapi.yaml").is_file()
    tested = run_tool(root, "pytest", "-q", "-p", "no:cacheprovider")
    assert "8 passed" in tested.splitlines()[-1]
    run_tool(root, "ruff", "check", "--no-cache", ".")
    run_tool(root, "ruff", "format", "--no-cache", "--check", ".")
    cache = ("--cache-dir", str(tmp_path / "mypy-cache"))
    assert "Success" in run_tool(root, "mypy", *cache)
    # The hub's own types are read (its py.typed), not taken as Any: a misuse is caught.
    (root / "hub_connector_water" / "misuse.py").write_text(
        "from connectors.sdk import ApiKeyAuth\n\nAUTH = ApiKeyAuth(42)\n", encoding="utf-8"
    )
    assert '"ApiKeyAuth" has incompatible type "int"' in run_tool(root, "mypy", *cache, fails=True)


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
