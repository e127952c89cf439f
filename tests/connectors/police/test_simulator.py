"""The police simulator behaves as a police system: its grids, paging, filters, creates
and change log, as the contract describes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.police.data import INCIDENTS
from connectors.police.scheme import police_grids
from connectors.police.simulator import create_app
from connectors.sdk.simulation import SchemeIndex, SimulatorSettings
from tests.support.simulators import admin, contract, simulator_fixtures

ORDER = {
    "category": "NOISE",
    "summary": "装修噪音",
    "description": "网格员上报：中午装修噪音扰民。",
    "location": {"latitude": 30.3115, "longitude": 120.0521, "address": "云溪街道青山路1号"},
}
AS_OF = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
ALL_GRIDS = ",".join(f"JG-YX-{n:02d}" for n in range(1, 21))


shared, reader, http = simulator_fixtures("police", create_app)


def test_twenty_police_grids_tile_the_town(town_document: dict[str, Any]) -> None:
    grids = police_grids(town_document)
    codes = [f["properties"]["code"] for f in grids["features"]]
    assert codes == [f"JG-YX-{n:02d}" for n in range(1, 21)]
    assert police_grids(town_document) == grids  # the same seed draws the same grids


async def test_every_incident_is_filed_under_the_grid_its_point_is_in(
    reader: httpx.AsyncClient, town_document: dict[str, Any]
) -> None:
    index = SchemeIndex(police_grids(town_document))
    seen: list[dict[str, Any]] = []
    for page in range(1, 17):
        body = (await reader.get("/api/v1/incidents", params={"size": 100, "page": page})).json()
        seen += body["data"]["records"]
    assert len(seen) == INCIDENTS == body["data"]["total"]
    assert len({i["id"] for i in seen}) == INCIDENTS
    times = [i["reportedAt"] for i in seen]
    assert times == sorted(times, reverse=True)
    for incident in seen:
        where = incident["location"]
        assert index.code_at(where["longitude"], where["latitude"]) == incident["gridCode"]
    statuses = {i["status"] for i in seen}
    assert statuses >= {"CLOSED", "HANDLED"}
    assert all(i["closedAt"] for i in seen if i["status"] == "CLOSED")


async def test_one_request_asks_for_many_grids(reader: httpx.AsyncClient) -> None:
    every = await reader.get("/api/v1/incidents", params={"grid": ALL_GRIDS, "size": 1})
    assert every.json()["data"]["total"] == INCIDENTS
    two = await reader.get("/api/v1/incidents", params=[("grid", "JG-YX-01"), ("grid", "JG-YX-02")])
    records = two.json()["data"]
    assert 0 < records["total"] < INCIDENTS
    assert {r["gridCode"] for r in records["records"]} <= {"JG-YX-01", "JG-YX-02"}


async def test_filters_narrow_by_status_category_and_time(reader: httpx.AsyncClient) -> None:
    window = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-11-08T00:00:00+08:00"}
    params: dict[str, Any] = {"status": "CLOSED", "category": "THEFT,FRAUD", "size": 100}
    params |= window
    body = (await reader.get("/api/v1/incidents", params=params)).json()["data"]
    assert body["total"] > 0
    for incident in body["records"]:
        assert incident["status"] == "CLOSED"
        assert incident["category"] in ("THEFT", "FRAUD")
        assert "2026-11-01T00:00:00+08:00" <= incident["reportedAt"] < "2026-11-08T00:00:00+08:00"


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"size": "101"},
        {"status": "LOST"},
        {"category": "LITTER"},
        {"grid": "330199001001001"},
        {"from": "yesterday"},
        {"from": "2026-11-01T00:00:00"},
    ],
)
async def test_bad_parameters_are_a_400_naming_them(
    reader: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await reader.get("/api/v1/incidents", params=params)
    assert response.status_code == 400
    assert response.json()["code"] == 40001
    assert next(iter(params)) in response.json()["message"]
    assert (
        contract("police").response_problems("GET", "/api/v1/incidents", 400, response.json()) == []
    )


async def test_a_create_is_idempotent_on_its_key(http: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "01JTEST0000000000000000001"}
    first = await http.post("/api/v1/incidents", json=ORDER, headers=key)
    again = await http.post("/api/v1/incidents", json=ORDER, headers=key)
    other = await http.post("/api/v1/incidents", json=ORDER, headers={"Idempotency-Key": "other"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    incident = first.json()["data"]
    assert again.json()["data"] == incident
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Location"] == f"/api/v1/incidents/{incident['id']}"
    assert other.json()["data"]["id"] != incident["id"]
    assert (incident["status"], incident["source"]) == ("RECEIVED", "HUB")
    assert incident["externalRef"] == "01JTEST0000000000000000001"
    assert incident["gridCode"].startswith("JG-YX-")


@pytest.mark.parametrize(
    ("change", "code", "reason"),
    [
        ({"category": "LITTER"}, 42201, "NOT_POLICE_BUSINESS"),
        (
            {"location": {"latitude": 31.2, "longitude": 121.5, "address": "上海市"}},
            42202,
            "OUT_OF_AREA",
        ),
    ],
)
async def test_what_is_not_police_business_here_is_refused(
    http: httpx.AsyncClient, change: dict[str, Any], code: int, reason: str
) -> None:
    response = await http.post(
        "/api/v1/incidents", json=ORDER | change, headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["reason"]) == (code, reason)
    repeated = await http.post(
        "/api/v1/incidents", json=ORDER | change, headers={"Idempotency-Key": "k"}
    )
    assert repeated.status_code == 422  # a refusal is not remembered as a create


async def test_a_create_needs_its_key_and_a_whole_body(http: httpx.AsyncClient) -> None:
    keyless = await http.post("/api/v1/incidents", json=ORDER)
    assert (keyless.status_code, keyless.json()["code"]) == (400, 40001)
    partial = await http.post(
        "/api/v1/incidents", json={"category": "NOISE"}, headers={"Idempotency-Key": "k"}
    )
    assert partial.status_code == 400
    assert "location: Field required" in partial.json()["errors"]


async def test_the_change_log_has_each_step_once_in_order(http: httpx.AsyncClient) -> None:
    created = await http.post("/api/v1/incidents", json=ORDER, headers={"Idempotency-Key": "feed"})
    incident = created.json()["data"]["id"]
    steps = await admin(http, "POST", f"advance/{incident}", {"status": "HANDLED"})
    assert steps["steps"] == ["DISPATCHED", "ON_SCENE", "HANDLED"]
    first = (await http.get("/api/v1/incidents/changes", params={"size": 3})).json()["data"]
    rest = await http.get("/api/v1/incidents/changes", params={"since": first["nextCursor"]})
    changes = first["changes"] + rest.json()["data"]["changes"]
    assert first["hasMore"]
    assert [(c["type"], c["status"]) for c in changes] == [
        ("CREATED", "RECEIVED"),
        ("STATUS_CHANGED", "DISPATCHED"),
        ("STATUS_CHANGED", "ON_SCENE"),
        ("STATUS_CHANGED", "HANDLED"),
    ]
    assert [c["seq"] for c in changes] == [1, 2, 3, 4]
    assert {c["externalRef"] for c in changes} == {"feed"}
    assert changes[1]["incident"]["assignedUnit"] is not None
    cursor = rest.json()["data"]["nextCursor"]
    nothing = (await http.get("/api/v1/incidents/changes", params={"since": cursor})).json()
    assert nothing["data"] == {"changes": [], "nextCursor": cursor, "hasMore": False}
    await admin(http, "POST", f"advance/{incident}")
    later = (await http.get("/api/v1/incidents/changes", params={"since": cursor})).json()
    assert [c["status"] for c in later["data"]["changes"]] == ["CLOSED"]


async def test_patrol_units_are_assigned_to_police_grids(reader: httpx.AsyncClient) -> None:
    body = (await reader.get("/api/v1/patrol-units", params={"size": 100})).json()["data"]
    assert body["total"] == 24
    assert {u["gridCode"] for u in body["records"]} == {f"JG-YX-{n:02d}" for n in range(1, 21)}
    one = await reader.get("/api/v1/patrol-units", params={"grid": "JG-YX-05"})
    assert {u["gridCode"] for u in one.json()["data"]["records"]} == {"JG-YX-05"}


def test_the_same_seed_gives_the_same_system(town_document: dict[str, Any]) -> None:
    settings = SimulatorSettings(as_of=AS_OF)
    first = create_app(settings, town=town_document).state.system.data
    second = create_app(settings, town=town_document).state.system.data
    assert first.incidents == second.incidents
    other = create_app(SimulatorSettings(seed=7, as_of=AS_OF), town=town_document)
    assert other.state.system.data.incidents != first.incidents
