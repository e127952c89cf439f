"""A front-end team's client against the hub over a socket: Apollo Client under Node.

``scripts/js-client.d/client.mjs`` runs Apollo Client with its persisted-queries link
(automatic persisted queries, APQ) and graphql-ws against a hub served by uvicorn on
loopback, and reports every HTTP request it sent. In development the client registers
its queries by APQ; in production its build's manifest is registered with
``hub documents register`` first, and anything else is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.app import create_app
from hub.config import Settings
from tests.conftest import in_production
from tests.support.cli import ahub, point_at
from tests.support.js_client import require_js_client, run_js_client
from tests.support.live import live_server

pytestmark = pytest.mark.integration

GRIDS = {"grids": {"__typename": "RegionConnection", "totalCount": 83}}
DISTRICT = {"region": {"__typename": "District", "name": "临江区"}}


def sent(step: dict[str, Any]) -> list[tuple[str, bool, list[str]]]:
    """Each request of a step: its method, whether it carried the text, the error codes."""
    return [(r["method"], r["sentQuery"], r["codes"]) for r in step["requests"]]


def answered(step: dict[str, Any], data: dict[str, Any]) -> None:
    assert (step["data"], step["codes"]) == (data, [])


async def test_apollo_client_registers_by_apq_in_development(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    require_js_client()
    async with live_server(create_app(town_settings)) as address:
        report = await run_js_client("development", address, keys["public"])
    query = report["query"]
    assert {d["code"] for d in query["data"]["departments"]} >= {"police", "health"}
    assert sent(query) == [("POST", True, [])]
    miss_then_register = [("POST", False, ["PERSISTED_QUERY_NOT_FOUND"]), ("POST", True, [])]
    answered(report["apqPostFirst"], GRIDS)
    assert sent(report["apqPostFirst"]) == miss_then_register
    answered(report["apqPostAgain"], GRIDS)
    assert sent(report["apqPostAgain"]) == [("POST", False, [])]  # the hash alone
    answered(report["apqGetFirst"], DISTRICT)
    assert sent(report["apqGetFirst"]) == [  # the text goes by POST, as Apollo Client does
        ("GET", False, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", True, []),
    ]
    answered(report["apqGetAgain"], DISTRICT)
    assert sent(report["apqGetAgain"]) == [("GET", False, [])]
    hashes = {
        r["sha256Hash"] for k in ("apqPostFirst", "apqGetFirst") for r in report[k]["requests"]
    }
    assert hashes <= set(report["manifestHashes"])  # the manifest names what the client sends
    assert report["subscription"] == {"data": {"registryRevision": 1}, "codes": []}


async def test_apollo_client_runs_its_registered_manifest_in_production(
    town_settings: Settings, keys: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "persisted-query-manifest.json"
    manifest.write_text(json.dumps(await run_js_client("manifest")), encoding="utf-8")
    point_at(monkeypatch, town_settings.database_url)
    code, out, err = await ahub("documents", "register", str(manifest))
    assert code == 0, err
    assert "3 registered" in out
    settings = in_production(town_settings)
    async with live_server(create_app(settings)) as address:
        report = await run_js_client("production", address, keys["public"])
    answered(report["registered"], GRIDS)
    assert sent(report["registered"]) == [("GET", False, [])]  # hit on the first request
    unlisted = report["unlisted"]
    assert (unlisted["data"], unlisted["codes"]) == (None, ["DOCUMENT_NOT_TRUSTED"])
    assert sent(unlisted) == [
        ("GET", False, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", True, ["DOCUMENT_NOT_TRUSTED"]),  # APQ's retry, refused: nothing registered
    ]
    answered(report["registeredAgain"], GRIDS)  # the refusal did not turn hashing off
    assert sent(report["registeredAgain"]) == [("GET", False, [])]
    assert report["subscription"] == {"data": {"registryRevision": 1}, "codes": []}
    assert report["unlistedSubscription"]["codes"] == ["DOCUMENT_NOT_TRUSTED"]
