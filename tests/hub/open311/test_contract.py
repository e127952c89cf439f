"""``contracts/open311.openapi.yaml`` describes what ``/open311/v2/`` serves, and its
response schemas are the files the other tests validate against."""

from __future__ import annotations

import re
from typing import Any

import yaml
from starlette.applications import Starlette

from hub.core.paths import CONTRACTS_DIR
from hub.open311.routes import Open311

OPENAPI = CONTRACTS_DIR / "open311.openapi.yaml"


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    return loaded


def test_every_served_operation_is_described(app: Starlette) -> None:
    served = {
        (path.replace("{format}", "json"), method)
        for path, methods, _ in Open311(app.state.services).operations()
        for method in methods
    }
    described = {
        (re.sub(r"\{\w+\}\.json", "{}.json", path), method.upper())
        for path, operations in document()["paths"].items()
        for method in operations
    }
    assert {(re.sub(r"\{\w+\}\.json", "{}.json", p), m) for p, m in served} == described


def test_every_referenced_schema_file_exists() -> None:
    refs = set(re.findall(r'\$ref: "(open311/[^"]+)"', OPENAPI.read_text(encoding="utf-8")))
    assert refs == {f"open311/{p.name}" for p in (CONTRACTS_DIR / "open311").glob("*.json")}
