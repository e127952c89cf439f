"""The contracts are the ``contracts`` package's data; writers never write into it."""

from __future__ import annotations

from pathlib import Path

from contracts import contract
from hub.core.paths import CONTRACTS_DIR, DEPARTMENTS_FILE, PROJECT_ROOT, contracts_to_write


def test_the_paths_are_the_contracts_package_files() -> None:
    departments = contract("taxonomy", "departments.yaml")
    assert departments.is_file()
    assert DEPARTMENTS_FILE.read_text(encoding="utf-8") == departments.read_text(encoding="utf-8")
    assert (CONTRACTS_DIR / "__init__.py").is_file()  # the package, not a folder beside it


def test_from_a_checkout_the_writers_write_into_its_contracts(tmp_path: Path) -> None:
    assert (PROJECT_ROOT / "pyproject.toml").is_file()  # the tests run from a checkout
    assert contracts_to_write(cwd=tmp_path) == CONTRACTS_DIR


def test_installed_the_writers_write_under_the_working_directory(tmp_path: Path) -> None:
    installed = tmp_path / "site-packages" / "contracts"
    installed.mkdir(parents=True)
    work = tmp_path / "work"
    assert contracts_to_write(installed, cwd=work) == work / "contracts"
