"""The police simulator as the demo, the recorder and tests use it (``SIMULATED``)."""

from __future__ import annotations

from starlette.applications import Starlette

from connectors.police import simulator
from connectors.police.data import CATEGORIES, NewIncident
from connectors.police.scheme import police_grids
from connectors.sdk.simulation import Recorder, Simulated

FIRST_KEY = "01JDEMO0000000000000000001"
SECOND_KEY = "01JDEMO0000000000000000002"
ORDER = {
    "category": "DISPUTE",
    "summary": "邻里纠纷",
    "description": "网格员上报：楼上楼下因漏水发生争执。",
    "location": {"latitude": 30.3115, "longitude": 120.0521, "address": "云溪街道青山路1号附近"},
}


def seed_personal(app: Starlette, grid: str, lat: float, lon: float) -> None:
    """An incident at (lat, lon) with its caller's name and phone."""
    police = app.state.system
    incident = NewIncident(
        category=CATEGORIES[0].code,
        summary="邻里纠纷",
        description="报警人称楼上住户深夜吵闹引发争执",
        lat=lat,
        lon=lon,
        address="云溪街道文一路88号3幢2单元502室",
        caller=("李建国", "13900001111"),
    )
    police.data.register(incident, None, police.clock)


async def record(record: Recorder) -> None:
    """Grids, categories, paging by grid, unknown keys, the handover and the change log."""
    await record("grids", "the police grids (警格) as GeoJSON", "GET", "/api/v1/grids")
    await record("categories", "incident categories", "GET", "/api/v1/categories")
    incidents = "/api/v1/incidents"
    grids = {"grid": "JG-YX-01,JG-YX-02", "size": "2"}
    await record(
        "incidents-page-1", "incidents of two grids, page 1", "GET", incidents, params=grids
    )
    await record(
        "incidents-page-2", "the same, page 2", "GET", incidents, params={**grids, "page": "2"}
    )
    window = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-11-23T00:00:00+08:00"}
    filtered = {"grid": "JG-YX-03", "status": "CLOSED", "category": "DISPUTE,NOISE", "size": "1"}
    await record(
        "incidents-filtered", "closed disputes and noise in a window", "GET", incidents,
        params=filtered | window,
    )  # fmt: skip
    await record("incident-unknown", "an unknown incident", "GET", f"{incidents}/JQ20260101999999")
    await record(
        "patrol-units", "patrol units of a police grid", "GET", "/api/v1/patrol-units",
        params={"grid": "JG-YX-05"},
    )  # fmt: skip
    await _handover(record, incidents)


async def _handover(record: Recorder, incidents: str) -> None:
    key = {"Idempotency-Key": FIRST_KEY}
    created = await record(
        "create", "an incident handed over by the hub", "POST", incidents,
        json_body=ORDER, headers=key,
    )  # fmt: skip
    await record(
        "create-repeated", "the same request again: the first incident", "POST", incidents,
        json_body=ORDER, headers=key,
    )  # fmt: skip
    await record(
        "create-refused", "not police business: refused", "POST", incidents,
        json_body={**ORDER, "category": "LITTER"}, headers={"Idempotency-Key": SECOND_KEY},
    )  # fmt: skip
    await record(
        "create-invalid", "a body without a location", "POST", incidents,
        json_body={"category": "DISPUTE"}, headers={"Idempotency-Key": SECOND_KEY},
    )  # fmt: skip
    await record.admin("POST", f"/_admin/advance/{created.json()['data']['id']}")
    await record("changes", "the change log from its start", "GET", f"{incidents}/changes")
    await record(
        "changes-after", "nothing new after the last cursor", "GET", f"{incidents}/changes",
        params={"since": "2"},
    )  # fmt: skip


SIMULATED = Simulated(
    create_app=simulator.create_app,
    credentials={"api_key": simulator.DEMO_API_KEY},
    grid_scheme=police_grids,
    seed_personal=seed_personal,
    record=record,
)
