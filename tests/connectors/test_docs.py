"""docs/connectors.md names every public name of the connector SDK, so an integrator
finds each one there."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "connectors.md"
FRONTS = ("connectors.sdk", "connectors.sdk.graph", "connectors.sdk.simulation")


def _public(front: str) -> list[str]:
    return list(getattr(importlib.import_module(front), "__all__", []))


@pytest.mark.parametrize("front", FRONTS)
def test_every_public_name_is_in_the_guide(front: str) -> None:
    names = _public(front)
    assert names, f"{front} declares no __all__"
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", GUIDE.read_text(encoding="utf-8")))
    assert sorted(set(names) - words) == []


def test_every_stream_and_connector_attribute_is_in_the_guide() -> None:
    sdk = importlib.import_module("connectors.sdk")
    declared = {
        name
        for cls in (sdk.Stream, sdk.Connector)
        for name in getattr(cls, "__annotations__", {})
        if not name.startswith("_")
    }
    text = GUIDE.read_text(encoding="utf-8")
    assert sorted(name for name in declared if f"`{name}`" not in text) == []
