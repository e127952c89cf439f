"""Each package says what it offers in a sorted ``__all__``, and offers what it says."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "package", ["hub.bus", "hub.events", "hub.routing", "hub.dispatch", "schema"]
)
def test_public_names_are_sorted_and_real(package: str) -> None:
    module = importlib.import_module(package)
    names = module.__all__
    assert names == sorted(names, key=_isort), f"{package}.__all__ is not sorted"
    assert all(hasattr(module, name) for name in names)


def _isort(name: str) -> tuple[int, str]:
    """Ruff's order for ``__all__``: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name
