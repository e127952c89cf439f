"""The third-party connector packages under tests/fixtures pass their own tests, lint and
strict type check in their own directory, installed beside the hub or not.

Each is a separate distribution with its own configuration, so the hub's pytest does not
collect it (tests/conftest.py) and the hub's mypy excludes it (pyproject.toml); ruff reads
each package's own configuration when the hub's ``ruff check .`` reaches it.

They build only on public names, and so do the four built-in connectors."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from tests.support.packages import FIXTURES, run_tool

PACKAGES = sorted(path.name for path in FIXTURES.glob("hub-connector-*"))
CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"
BUILT_INS = ("citymgmt", "health", "petition", "police")
# What a third party may build on: the SDK, its graph and simulation kits, the standard
# suite, and the hub's core (errors, work orders, personal data).
PUBLIC = (
    "connectors.sdk",
    "connectors.sdk.graph",
    "connectors.sdk.simulation",
    "connectors.testing",
)


def test_the_sixth_connector_is_among_them() -> None:
    assert "hub-connector-emergency" in PACKAGES


@pytest.mark.integration
@pytest.mark.parametrize("package", PACKAGES)
def test_its_own_suite_passes(package: str) -> None:
    tested = run_tool(FIXTURES / package, "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in tested.splitlines()[-1]
    assert "failed" not in tested.splitlines()[-1]


@pytest.mark.integration
@pytest.mark.parametrize("package", PACKAGES)
def test_it_type_checks_strictly_against_the_hub(package: str, tmp_path: Path) -> None:
    assert "Success" in run_tool(FIXTURES / package, "mypy", "--cache-dir", str(tmp_path))


@pytest.mark.parametrize(
    ("sources", "own"),
    [(FIXTURES / package, package.replace("-", "_")) for package in PACKAGES]
    + [(CONNECTORS / name, f"connectors.{name}") for name in BUILT_INS],
    ids=[*PACKAGES, *(f"connectors.{name}" for name in BUILT_INS)],
)
def test_it_uses_public_names_only(sources: Path, own: str) -> None:
    """No import of the hub's internals: a module of ``PUBLIC`` or ``hub.core``, and only
    names such a module offers (its ``__all__`` where it has one, never a private one).

    The built-in connectors are held to the same rule as a third party's, so they use
    nothing the SDK does not offer it; a package's imports of its own modules (``own``)
    are its own business."""
    imports = [
        (path, node)
        for path in sorted(sources.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    wrong = [
        f"{path.name}:{node.lineno} {node.module}.{alias.name}"
        for path, node in imports
        if isinstance(node, ast.ImportFrom) and _ours(node.module, own)
        for alias in node.names
        if not _public(str(node.module), alias.name)
    ]
    wrong += [
        f"{path.name}:{node.lineno} import {alias.name}"
        for path, node in imports
        if isinstance(node, ast.Import)
        for alias in node.names
        if _ours(alias.name, own) and not _public_module(alias.name)
    ]
    assert wrong == []


def _ours(module: str | None, own: str) -> bool:
    """A module of the hub's distribution that is not the package's own."""
    name = module or ""
    if name == own or name.startswith(f"{own}."):
        return False
    return name.split(".")[0] in {"hub", "connectors", "schema"}


def _public_module(module: str) -> bool:
    return module in PUBLIC or module.startswith("hub.core.")


def _public(module: str, name: str) -> bool:
    if not _public_module(module):
        return False
    offered = getattr(importlib.import_module(module), "__all__", None)
    return not name.startswith("_") and (offered is None or name in offered)
