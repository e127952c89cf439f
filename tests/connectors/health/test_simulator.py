"""The health simulator behaves as a FHIR-shaped platform: service areas, next links,
searches with prefixes, conditional create and the _lastUpdated change feed."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from shapely.geometry import shape

from connectors.health.scheme import service_areas
from connectors.health.simulator import create_app
from connectors.sdk.simulation import SchemeIndex
from tests.support.simulators import admin, simulator_fixtures

GEOLOCATION = "http://hl7.org/fhir/StructureDefinition/geolocation"
TASK = {
    "resourceType": "Task",
    "status": "requested",
    "intent": "order",
    "code": {"coding": [{"system": "urn:yunxi:health:followup-type", "code": "elderly-alone"}]},
    "description": "网格员上报：独居老人两天未出门。",
    "extension": [
        {
            "url": GEOLOCATION,
            "extension": [
                {"url": "latitude", "valueDecimal": 30.3115},
                {"url": "longitude", "valueDecimal": 120.0521},
            ],
        }
    ],
}


shared, reader, http = simulator_fixtures("health", create_app)


def condition(value: str) -> dict[str, str]:
    return {"If-None-Exist": f"identifier=urn:grid-hub:event|{value}"}


async def follow(http: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every resource of a search, following next links as they are."""
    found: list[dict[str, Any]] = []
    response = await http.get(url, params=params)
    while True:
        bundle = response.json()
        found += [entry["resource"] for entry in bundle["entry"]]
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            assert len(found) == bundle["total"]
            return found
        response = await http.get(following[0])


def extension(resource: dict[str, Any], url: str) -> Any:
    return next(e for e in resource["extension"] if e["url"] == url)


def point_of(resource: dict[str, Any]) -> tuple[float, float]:
    parts = {e["url"]: e["valueDecimal"] for e in extension(resource, GEOLOCATION)["extension"]}
    return parts["longitude"], parts["latitude"]


async def test_next_links_walk_every_task_once_and_each_is_in_its_service_area(
    reader: httpx.AsyncClient, town_document: dict[str, Any]
) -> None:
    index = SchemeIndex(service_areas(town_document))
    tasks = await follow(reader, "/fhir/Task", _count=100)
    assert len(tasks) > 1000
    assert len({t["id"] for t in tasks}) == len(tasks)
    for task in tasks:
        area = extension(task, "urn:yunxi:health:service-area")["valueString"]
        assert index.code_at(*point_of(task)) == area
    assert {t["status"] for t in tasks} >= {"completed", "requested"}
    with_patients = [t for t in tasks if "contained" in t]
    assert all(t["for"]["display"] == t["contained"][0]["name"][0]["text"] for t in with_patients)


async def test_clinics_carry_their_service_area_boundary(
    reader: httpx.AsyncClient, town_document: dict[str, Any]
) -> None:
    areas = {
        f["properties"]["code"]: shape(f["geometry"])
        for f in service_areas(town_document)["features"]
    }
    clinics = await follow(reader, "/fhir/Location", _count=3)
    assert len(clinics) == 8
    for clinic in clinics:
        code = clinic["identifier"][0]["value"]
        boundary = extension(
            clinic, "http://hl7.org/fhir/StructureDefinition/location-boundary-geojson"
        )
        polygon = shape(json.loads(base64.b64decode(boundary["valueAttachment"]["data"])))
        assert polygon.equals(areas[code])
        position = clinic["position"]
        assert areas[code].contains(
            shape({"type": "Point", "coordinates": [position["longitude"], position["latitude"]]})
        )


async def test_searches_take_several_areas_and_date_prefixes(reader: httpx.AsyncClient) -> None:
    two = await follow(reader, "/fhir/Task", **{"service-area": "YXWS-01,YXWS-03", "_count": 100})
    areas = {extension(t, "urn:yunxi:health:service-area")["valueString"] for t in two}
    assert areas == {"YXWS-01", "YXWS-03"}
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("authored-on", "ge2026-11-01"),
        ("authored-on", "lt2026-11-08T00:00:00Z"),
        ("_count", "100"),
    ]
    window = (await reader.get("/fhir/Task", params=params)).json()
    assert window["total"] > 0
    assert all("2026-11-01" <= e["resource"]["authoredOn"] < "2026-11-08" for e in window["entry"])
    bad = await reader.get("/fhir/Task", params={"authored-on": "2026-11-01"})
    assert bad.status_code == 400
    assert bad.json()["issue"][0]["code"] == "invalid"


async def test_a_page_token_belongs_to_its_search(reader: httpx.AsyncClient) -> None:
    first = (await reader.get("/fhir/Task", params={"service-area": "YXWS-01"})).json()
    following = httpx.URL(next(link["url"] for link in first["link"] if link["relation"] == "next"))
    reused = await reader.get(
        "/fhir/Task", params={"service-area": "YXWS-02", "_page": following.params["_page"]}
    )
    assert reused.status_code == 400


async def test_conditional_create_makes_one_task_per_identifier(http: httpx.AsyncClient) -> None:
    first = await http.post("/fhir/Task", json=TASK, headers=condition("E1"))
    again = await http.post("/fhir/Task", json=TASK, headers=condition("E1"))
    assert (first.status_code, again.status_code) == (201, 200)
    task = first.json()
    assert again.json() == task
    assert first.headers["Location"] == f"Task/{task['id']}/_history/1"
    assert {"system": "urn:grid-hub:event", "value": "E1"} in task["identifier"]
    assert task["status"] == "requested"
    assert extension(task, "urn:yunxi:health:service-area")["valueString"].startswith("YXWS-")
    missing = await http.post("/fhir/Task", json=TASK)
    assert missing.status_code == 400


SURGERY = {"coding": [{"system": "urn:yunxi:health:followup-type", "code": "surgery"}]}
FOREIGN = {"coding": [{"system": "http://snomed.info/sct", "code": "elderly-alone"}]}
SHANGHAI = {
    "url": GEOLOCATION,
    "extension": [
        {"url": "latitude", "valueDecimal": 31.2},
        {"url": "longitude", "valueDecimal": 121.5},
    ],
}


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"code": SURGERY}, "not-competent"),
        ({"code": FOREIGN}, "not-competent"),
        ({"extension": [SHANGHAI]}, "out-of-area"),
    ],
)
async def test_what_the_platform_does_not_do_is_refused(
    http: httpx.AsyncClient, change: dict[str, Any], refusal: str
) -> None:
    response = await http.post("/fhir/Task", json=TASK | change, headers=condition("R"))
    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert (issue["code"], issue["details"]["coding"][0]["code"]) == ("business-rule", refusal)


async def test_the_last_updated_feed_shows_an_advanced_task_once_in_order(
    http: httpx.AsyncClient,
) -> None:
    task = (await http.post("/fhir/Task", json=TASK, headers=condition("F"))).json()
    since = task["meta"]["lastUpdated"]
    await admin(http, "POST", f"advance/{task['id']}", {"status": "in-progress"})
    active = (await http.get("/fhir/Flag", params={"status": "active"})).json()["entry"]
    alert = active[0]["resource"]["id"]
    await admin(http, "POST", f"advance/{alert}", {"status": "entered-in-error"})
    feed: dict[str, Any] = {"_lastUpdated": f"gt{since}", "_sort": "_lastUpdated", "_count": 100}
    changed = (await http.get("/fhir/Task", params=feed)).json()["entry"]
    assert [e["resource"]["id"] for e in changed] == [task["id"]]
    mine = changed[0]["resource"]
    assert (mine["status"], mine["meta"]["versionId"]) == ("in-progress", "3")
    assert mine["meta"]["lastUpdated"] > since
    later = {**feed, "_lastUpdated": f"gt{mine['meta']['lastUpdated']}"}
    assert (await http.get("/fhir/Task", params=later)).json()["total"] == 0
    flags = (await http.get("/fhir/Flag", params=feed)).json()["entry"]
    assert [(e["resource"]["id"], e["resource"]["status"]) for e in flags] == [
        (alert, "entered-in-error")
    ]


async def test_every_last_updated_is_unique(reader: httpx.AsyncClient) -> None:
    tasks = await follow(reader, "/fhir/Task", _count=100, _sort="_lastUpdated")
    stamps = [t["meta"]["lastUpdated"] for t in tasks]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


async def test_the_town_always_has_an_active_alert(reader: httpx.AsyncClient) -> None:
    active = (await reader.get("/fhir/Flag", params={"status": "active"})).json()
    assert active["total"] >= 1
    assert all(e["resource"]["code"]["coding"][0]["code"] for e in active["entry"])
