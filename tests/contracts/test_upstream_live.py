"""Live answers of the four simulators hold to their contracts, and faults break them
the way the fault knobs promise."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.demo.simulators import demo_apps
from tests.support.simulators import SYSTEMS, admin, client, contract, pinned_settings

Request = tuple[str, dict[str, str]]

# A sample of reads per system: every GET operation, with filters and pages.
SAMPLES: dict[str, list[Request]] = {
    "police": [
        ("/api/v1/grids", {}),
        ("/api/v1/categories", {}),
        ("/api/v1/incidents", {"size": "100"}),
        ("/api/v1/incidents", {"size": "100", "page": "15"}),
        ("/api/v1/incidents", {"status": "RECEIVED,DISPATCHED,ON_SCENE,HANDLED", "size": "50"}),
        ("/api/v1/incidents", {"category": "FRAUD", "from": "2026-10-01T00:00:00+08:00"}),
        ("/api/v1/incidents/changes", {}),
        ("/api/v1/patrol-units", {"size": "100"}),
    ],
    "citymgmt": [
        ("/api/v2/unit-grids", {"limit": "200", "offset": "400"}),
        ("/api/v2/categories", {}),
        ("/api/v2/cases", {"limit": "200"}),
        ("/api/v2/cases", {"status": "受理,立案,派遣,处置,核查,作废", "limit": "200"}),
        ("/api/v2/cases", {"kind": "部件", "category": "11,12", "limit": "200"}),
        ("/api/v2/cases", {"order": "version_asc", "since_version": "1900", "limit": "200"}),
    ],
    "petition": [
        ("/api/v1/communities", {}),
        ("/api/v1/categories", {}),
        ("/api/v1/workorders", {"limit": "100"}),
        ("/api/v1/workorders", {"status": "退单,改派,办理,回复", "limit": "100"}),
        ("/api/v1/workorders", {"appealType": "咨询,表扬", "category": "JD02,WJ02"}),
        ("/api/v1/workorders/changes", {}),
    ],
    "health": [
        ("/fhir/Location", {"_count": "100"}),
        ("/fhir/Task", {"_count": "100"}),
        ("/fhir/Task", {"status": "requested,accepted,in-progress", "_count": "100"}),
        ("/fhir/Task", {"code": "postnatal,severe-mental,disabled", "_count": "100"}),
        ("/fhir/Flag", {"_count": "100"}),
        ("/fhir/Flag", {"status": "active", "_sort": "_lastUpdated"}),
    ],
}


@pytest.fixture(scope="module")
def apps(town_document: dict[str, Any]) -> dict[str, Starlette]:
    return demo_apps(pinned_settings(), town=town_document)


def records_of(system: str, body: Any) -> Iterator[dict[str, Any]]:
    """The records of a list answer, whatever the system's envelope."""
    if system == "health":
        found = [entry["resource"] for entry in body.get("entry", [])]
    elif system == "citymgmt":
        found = body.get("results", [])
    else:
        data = body["data"]
        found = data.get("records", []) if isinstance(data, dict) else data
    return (record for record in found if isinstance(record, dict) and "id" in record)


READS = {"JQ": "/api/v1/incidents/", "CG": "/api/v2/cases/", "GD": "/api/v1/workorders/"}


def read_path(system: str, record: dict[str, Any]) -> str | None:
    """Where one record of a list is read on its own (patrol units and grids are not)."""
    if system == "health":
        return f"/fhir/{record['resourceType']}/{record['id']}"
    prefix = READS.get(str(record["id"])[:2])
    return prefix + record["id"] if prefix else None


@pytest.mark.parametrize("system", SYSTEMS)
async def test_a_sample_of_live_answers_holds_to_the_contract(
    system: str, apps: dict[str, Starlette]
) -> None:
    api = contract(system)
    reads = 0
    async with client(system, apps[system]) as http:
        for path, params in SAMPLES[system]:
            response = await http.get(path, params=params)
            assert response.status_code == 200, response.text
            assert api.response_problems("GET", path, 200, response.json()) == [], path
            for record in list(records_of(system, response.json()))[::5]:
                one = read_path(system, record)
                if one:
                    answer = await http.get(one)
                    assert api.response_problems("GET", one, 200, answer.json()) == [], one
                    reads += 1
    assert reads >= 20


@pytest.mark.parametrize("system", SYSTEMS)
async def test_a_contract_break_fault_fails_validation_on_every_read(
    system: str, apps: dict[str, Starlette]
) -> None:
    api = contract(system)
    async with client(system, apps[system]) as http:
        await admin(http, "POST", "faults", {"contract_break": True})
        try:
            for path, params in SAMPLES[system]:
                response = await http.get(path, params=params)
                assert response.status_code == 200
                assert api.response_problems("GET", path, 200, response.json()) != [], path
        finally:
            await admin(http, "DELETE", "faults")


@pytest.mark.parametrize("system", SYSTEMS)
async def test_a_malformed_fault_answers_what_is_not_json(
    system: str, apps: dict[str, Starlette]
) -> None:
    path, params = SAMPLES[system][-1]
    async with client(system, apps[system]) as http:
        await admin(http, "POST", "faults", {"malformed": True})
        try:
            response = await http.get(path, params=params)
        finally:
            await admin(http, "DELETE", "faults")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


class Anonymous(httpx.Auth):
    """No credentials at all."""


@pytest.mark.parametrize("system", SYSTEMS)
async def test_no_credentials_is_a_401_in_the_contracts_error_format(
    system: str, apps: dict[str, Starlette]
) -> None:
    path, params = SAMPLES[system][0]
    async with client(system, apps[system], auth=Anonymous()) as http:
        response = await http.get(path, params=params)
    assert response.status_code == 401
    assert contract(system).response_problems("GET", path, 401, response.json()) == []


@pytest.mark.parametrize("system", SYSTEMS)
async def test_over_the_rate_limit_is_a_429_with_retry_after(
    system: str, apps: dict[str, Starlette]
) -> None:
    path, params = SAMPLES[system][0]
    async with client(system, apps[system]) as http:
        await admin(http, "POST", "faults", {"rate_limit": {"per_second": 0.2, "burst": 1}})
        try:
            statuses = [(await http.get(path, params=params)).status_code for _ in range(2)]
            limited = await http.get(path, params=params)
        finally:
            await admin(http, "DELETE", "faults")
    assert statuses[0] == 200
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 5
    assert contract(system).response_problems("GET", path, 429, limited.json()) == []


@pytest.mark.parametrize("system", SYSTEMS)
async def test_a_failing_system_answers_its_own_503(
    system: str, apps: dict[str, Starlette]
) -> None:
    path, params = SAMPLES[system][0]
    async with client(system, apps[system]) as http:
        await admin(http, "POST", "faults", {"error_rate": 1})
        try:
            response = await http.get(path, params=params)
        finally:
            await admin(http, "DELETE", "faults")
    assert response.status_code == 503
    assert contract(system).response_problems("GET", path, 503, response.json()) == []
