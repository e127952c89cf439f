"""Holding HTTP exchanges to an OpenAPI 3.1 contract, operation by operation.

The connectors' own validation checks records against component schemas; a contract
test needs more: the schema of the exact response (operation, status, media type),
inline envelopes included, and the request body's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:contract"
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class OpenApi:
    def __init__(self, path: Path) -> None:
        self.document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(BASE, resource)
        self.operations = sorted(
            (
                Operation(method.upper(), template, _pattern(template), spec)
                for template, item in self.document["paths"].items()
                for method, spec in item.items()
                if method in METHODS
            ),
            key=lambda op: (op.template.count("{"), op.template),
        )

    def operation(self, method: str, path: str) -> Operation:
        for operation in self.operations:
            if operation.method == method.upper() and operation.pattern.match(path):
                return operation
        raise LookupError(f"the contract has no operation {method} {path}")

    def response_problems(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Why the answer breaks the contract; empty when it conforms."""
        operation = self.operation(method, path)
        responses = operation.spec["responses"]
        if str(status) not in responses:
            return [f"{method} {operation.template} declares no {status} response"]
        pointer = ["paths", operation.template, operation.method.lower(), "responses", str(status)]
        response = responses[str(status)]
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#/").split("/")
            response = self._resolve(pointer)
        content = response.get("content", {})
        if not content:
            return [] if body in (None, "") else [f"{status} declares no body"]
        media = next(iter(content))
        return self._problems([*pointer, "content", media, "schema"], body)

    def request_problems(self, method: str, path: str, body: Any) -> list[str]:
        operation = self.operation(method, path)
        content = operation.spec.get("requestBody", {}).get("content", {})
        if not content:
            return [] if body is None else ["the operation takes no body"]
        media = next(iter(content))
        pointer = ["paths", operation.template, operation.method.lower(), "requestBody"]
        return self._problems([*pointer, "content", media, "schema"], body)

    def response_headers(self, method: str, path: str, status: int) -> set[str]:
        """The response headers the contract declares, lower-cased."""
        response = self.operation(method, path).spec["responses"][str(status)]
        if "$ref" in response:
            response = self._resolve(response["$ref"].removeprefix("#/").split("/"))
        return {name.lower() for name in response.get("headers", {})}

    def _resolve(self, pointer: list[str]) -> dict[str, Any]:
        node: Any = self.document
        for part in pointer:
            node = node[part]
        return dict(node)

    def _problems(self, pointer: list[str], instance: Any) -> list[str]:
        validator = Draft202012Validator(
            {"$ref": f"{BASE}#/{_pointer(*pointer)}"}, registry=self.registry
        )
        return [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(instance)]


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
