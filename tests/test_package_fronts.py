"""Callers outside a package use its front: a name the package's ``__all__`` offers is
imported from the package, not from the submodule that happens to define it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("hub", "connectors", "schema", "tests", "bench")


def _fronts() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for init in sorted(ROOT.glob("*/**/__init__.py")):
        package = ".".join(init.parent.relative_to(ROOT).parts)
        if package.split(".")[0] not in {"hub", "connectors", "schema"}:
            continue
        names = getattr(importlib.import_module(package), "__all__", None)
        if names:
            found[package] = set(names)
    return found


FRONTS = _fronts()


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _same(front: str, module: str, name: str) -> bool:
    """Whether the front offers the very object the submodule defines under ``name``."""
    offered = getattr(importlib.import_module(front), name)
    return offered is getattr(importlib.import_module(module), name, None)


def _around_the_front(path: Path) -> list[str]:
    importer = _module_name(path)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        for package, offered in FRONTS.items():
            inside = importer == package or importer.startswith(package + ".")
            if inside or not node.module.startswith(package + "."):
                continue
            found += [
                f"{importer}:{node.lineno} takes {alias.name} from {node.module}, not {package}"
                for alias in node.names
                if alias.name in offered
                and alias.name not in FRONTS.get(node.module, ())
                and _same(package, node.module, alias.name)
            ]
    return found


def test_there_are_fronts_to_use() -> None:
    assert {"hub.bus", "hub.events", "connectors.sdk", "schema.security"} <= FRONTS.keys()


@pytest.mark.parametrize("source", SOURCES)
def test_callers_use_package_fronts(source: str) -> None:
    paths = sorted((ROOT / source).rglob("*.py"))
    assert paths
    detours = [found for path in paths for found in _around_the_front(path)]
    assert detours == []
