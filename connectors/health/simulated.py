"""The community-health simulator as the demo, the recorder and tests use it (``SIMULATED``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import httpx
from starlette.applications import Starlette

from connectors.health import simulator
from connectors.health.data import FOLLOW_UP_TYPES, NewTask, Resident
from connectors.health.scheme import service_areas
from connectors.sdk.simulation import Recorder, Simulated

FIRST_KEY = "01JDEMO0000000000000000001"
SECOND_KEY = "01JDEMO0000000000000000002"
GEOLOCATION = {
    "url": "http://hl7.org/fhir/StructureDefinition/geolocation",
    "extension": [
        {"url": "latitude", "valueDecimal": 30.3115},
        {"url": "longitude", "valueDecimal": 120.0521},
    ],
}
TASK = {
    "resourceType": "Task",
    "status": "requested",
    "intent": "order",
    "priority": "urgent",
    "code": {"coding": [{"system": "urn:yunxi:health:followup-type", "code": "health-check"}]},
    "description": "网格员上报：独居老人两天未出门，请上门问询。",
    "extension": [GEOLOCATION],
}


def seed_personal(app: Starlette, grid: str, lat: float, lon: float) -> None:
    """A follow-up at (lat, lon) for a resident with name, phone, ID, birth and condition."""
    health = app.state.system
    kind = FOLLOW_UP_TYPES[0]
    task = health.data.register(
        NewTask(kind.code, kind.description, lon, lat, None, "routine", (), ()), health.clock
    )
    resident = Resident(
        name="孙桂兰",
        phone="13900004444",
        id_number="330199194403150049",
        male=False,
        birth=date(1944, 3, 15),
        address="云溪街道文一路88号3幢1单元101室",
        condition=kind.conditions[0],
        kind=kind,
    )
    health.data.tasks[task.id] = replace(task, resident=resident)


async def record(record: Recorder) -> None:
    """Clinics, paging by next link, searches, conditional create and the change search."""
    await record(
        "locations", "clinics with service areas", "GET", "/fhir/Location", params={"_count": "2"}
    )
    await record("location", "one clinic", "GET", "/fhir/Location/clinic-01")
    search = {"service-area": "YXWS-01,YXWS-02", "_count": "2"}
    first = await record(
        "tasks-page-1", "follow-ups of two areas", "GET", "/fhir/Task", params=search
    )
    following = next(link["url"] for link in first.json()["link"] if link["relation"] == "next")
    page = {**search, "_page": httpx.URL(following).params["_page"]}
    await record(
        "tasks-page-2", "the same, following the next link", "GET", "/fhir/Task", params=page
    )
    chronic = {"code": "chronic-disease", "status": "requested,accepted", "_count": "1"}
    chronic["authored-on"] = "ge2026-11-16T00:00:00Z"
    await record(
        "tasks-filtered", "open chronic-disease follow-ups", "GET", "/fhir/Task", params=chronic
    )
    await record("task-unknown", "an unknown Task", "GET", "/fhir/Task/fu-999999")
    active = {"status": "active", "_count": "2"}
    await record("flags-active", "active area alerts", "GET", "/fhir/Flag", params=active)
    await _handover(record)


async def _handover(record: Recorder) -> None:
    condition = {"If-None-Exist": f"identifier=urn:grid-hub:event|{FIRST_KEY}"}
    created = await record(
        "create", "a follow-up asked for by the hub (conditional create)", "POST", "/fhir/Task",
        json_body=TASK, headers=condition,
    )  # fmt: skip
    await record(
        "create-repeated", "the same identifier again: the first Task", "POST", "/fhir/Task",
        json_body=TASK, headers=condition,
    )  # fmt: skip
    coding = [{"system": "urn:yunxi:health:followup-type", "code": "surgery"}]
    await record(
        "create-refused", "not a follow-up this platform does: refused", "POST", "/fhir/Task",
        json_body={**TASK, "code": {"coding": coding}},
        headers={"If-None-Exist": f"identifier=urn:grid-hub:event|{SECOND_KEY}"},
    )  # fmt: skip
    before = created.json()["meta"]["lastUpdated"]
    await record.admin("POST", f"/_admin/advance/{created.json()['id']}")
    feed = {"_lastUpdated": f"gt{before}", "_sort": "_lastUpdated"}
    await record(
        "changes", "Tasks changed after an instant, in order", "GET", "/fhir/Task", params=feed
    )


SIMULATED = Simulated(
    create_app=simulator.create_app,
    credentials={"key_id": simulator.DEMO_KEY_ID, "secret": simulator.DEMO_KEY_SECRET},
    grid_scheme=service_areas,
    seed_personal=seed_personal,
    record=record,
)
