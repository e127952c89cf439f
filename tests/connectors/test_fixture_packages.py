"""The third-party connector packages under tests/fixtures pass their own tests, lint and
strict type check in their own directory, installed beside the hub or not.

Each is a separate distribution with its own configuration, so the hub's pytest does not
collect it (tests/conftest.py) and the hub's mypy excludes it (pyproject.toml); ruff reads
each package's own configuration when the hub's ``ruff check .`` reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.packages import FIXTURES, run_tool

pytestmark = pytest.mark.integration

PACKAGES = sorted(path.name for path in FIXTURES.glob("hub-connector-*"))


def test_the_sixth_connector_is_among_them() -> None:
    assert "hub-connector-emergency" in PACKAGES


@pytest.mark.parametrize("package", PACKAGES)
def test_its_own_suite_passes(package: str) -> None:
    tested = run_tool(FIXTURES / package, "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in tested.splitlines()[-1]
    assert "failed" not in tested.splitlines()[-1]


@pytest.mark.parametrize("package", PACKAGES)
def test_it_type_checks_strictly_against_the_hub(package: str, tmp_path: Path) -> None:
    assert "Success" in run_tool(FIXTURES / package, "mypy", "--cache-dir", str(tmp_path))
