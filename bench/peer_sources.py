"""What the peer (scripts/peer) is told: each department's OpenAPI contract, its
simulator's URL and the demo credentials in the form Mesh and the gateway take them.

Two of the four schemes fit Mesh's declarative operation headers (police's API key,
the hotline's HTTP Basic); the other two need a computation on every call, done by the
gateway's upstream plugin (scripts/peer.d/gateway.config.mjs): the city's OAuth2 client
credentials (a token fetched and kept until near its expiry) and health's HMAC signature.

The health contract is handed to Mesh with two changes it needs to load it at all, and
``ADAPTED`` says which; neither changes what a response holds.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import yaml

from hub.demo.simulators import demo_credentials

ROOT = Path(__file__).resolve().parents[1]
ADAPTED = [
    "health: the `allOf: [contains: …]` assertions on Task and Flag `extension` arrays "
    "are dropped (Mesh cannot load `contains`; they only validate)",
    "health: `Extension.extension` (an extension's nested extensions) is unrolled one "
    "level instead of recursing (Mesh overflows its stack on the recursion; the data "
    "nests one level, as geolocation does)",
    "health: each search's `allOf: [Bundle, {entry: [{resource: Task}]}]` response is "
    "written out as one merged schema (Mesh gives every search the same Bundle type, so "
    "a Task search's ids were checked against the Flag id pattern)",
]


def contract(name: str) -> dict[str, Any]:
    path = ROOT / "connectors" / name / "contract.openapi.yaml"
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def for_mesh(document: dict[str, Any]) -> dict[str, Any]:
    """The contract with the changes ``ADAPTED`` names (none for the other three)."""
    document = _without_contains(copy.deepcopy(document))
    schemas = document.get("components", {}).get("schemas", {})
    if "Bundle" in schemas:
        _merge_bundles(document, schemas)
    extension = schemas.get("Extension")
    if extension and "extension" in extension.get("properties", {}):
        nested = copy.deepcopy(extension)
        del nested["properties"]["extension"]
        schemas["NestedExtension"] = nested
        extension["properties"]["extension"]["items"] = {
            "$ref": "#/components/schemas/NestedExtension"
        }
    return document


def _merge_bundles(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Each response ``allOf`` that starts with the Bundle, merged into one schema."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    members = media.get("schema", {}).get("allOf")
                    if members and members[0] == {"$ref": "#/components/schemas/Bundle"}:
                        merged = copy.deepcopy(schemas["Bundle"])
                        for member in members[1:]:
                            merged = _merged(merged, member)
                        media["schema"] = merged


def _merged(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        joined = dict(base)
        for key, value in extra.items():
            joined[key] = _merged(base[key], value) if key in base else value
        return joined
    return extra


def _without_contains(node: Any) -> Any:
    if isinstance(node, dict):
        members = node.get("allOf")
        if isinstance(members, list) and all(
            isinstance(m, dict) and set(m) == {"contains"} for m in members
        ):
            del node["allOf"]
        return {key: _without_contains(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_without_contains(item) for item in node]
    return node


def _how(name: str, url: str, credentials: dict[str, str]) -> dict[str, Any]:
    """The headers (Mesh) or the scheme (the gateway's plugin) that reach ``name``."""
    if name == "police":
        return {"headers": {"X-API-Key": credentials["api_key"]}}
    if name == "petition":
        pair = f"{credentials['username']}:{credentials['password']}".encode()
        return {"headers": {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}}
    if name == "citymgmt":
        oauth2 = {"token_url": f"{url}/oauth/token", **credentials}
        return {"auth": {"oauth2": oauth2}}
    if name == "health":
        return {"auth": {"hmac": credentials}}
    raise ValueError(f"no way to reach {name} is known to the peer")


def sources_file(folder: Path, urls: dict[str, str]) -> Path:
    """The JSON file scripts/peer reads, with the adapted contracts beside it."""
    credentials = demo_credentials()
    sources = {}
    for name, url in urls.items():
        path = folder / f"{name}.openapi.json"
        path.write_text(json.dumps(for_mesh(contract(name))), encoding="utf-8")
        sources[name] = {
            "contract": str(path),
            "endpoint": url,
            **_how(name, url, credentials[name]),
        }
    written = folder / "peer-sources.json"
    written.write_text(json.dumps(sources, indent=1), encoding="utf-8")
    return written
