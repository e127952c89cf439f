"""``/open311/v2/`` through the real app over HTTP: every answer fits the published schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select, update
from starlette.applications import Starlette

from hub.core.paths import EVENT_SCHEMAS_DIR
from hub.db.bus_models import GridEventRow
from hub.events import GridEventType, ledger
from hub.open311.access import Params
from hub.open311.submit import report_of
from hub.services import Services
from tests.hub.open311.conftest import file, fits, form, refusal
from tests.support.events import OUTSIDE, eventually


def services_of(app: Starlette) -> Services:
    services: Services = app.state.services
    return services


# -- services ---------------------------------------------------------------------------


async def test_the_service_list_is_the_reportable_taxonomy(
    open311: httpx.AsyncClient, app: Starlette
) -> None:
    response = await open311.get("/services.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    listed = fits("services", response.json())
    taxonomy = services_of(app).bus.taxonomy
    assert [s["service_code"] for s in listed] == [
        c.code for c in taxonomy if c.leaf and c.reportable
    ]
    litter = next(s for s in listed if s["service_code"] == "city.litter")
    assert (litter["service_name"], litter["group"], litter["type"]) == (
        "暴露垃圾",
        "市容环境",
        "realtime",
    )
    assert "4 working hours" in litter["description"]
    codes = {s["service_code"] for s in listed}
    assert not {"city", "dispute.mediation", "health.disinfection"} & codes  # groups, rule-only


async def test_a_service_definition_offers_severity(open311: httpx.AsyncClient) -> None:
    response = await open311.get("/services/municipal.manhole_cover.json")
    definition = fits("service-definition", response.json())
    (severity,) = definition["attributes"]
    assert definition["service_code"] == "municipal.manhole_cover"
    assert (severity["code"], severity["datatype"], severity["required"]) == (
        "severity",
        "singlevaluelist",
        False,
    )
    assert [v["key"] for v in severity["values"]] == ["LOW", "MEDIUM", "HIGH", "CRITICAL"]
    assert "HIGH when not given" in severity["datatype_description"]


async def test_unknown_services_and_resources_are_404(open311: httpx.AsyncClient) -> None:
    assert "no service 'city'" in refusal(await open311.get("/services/city.json"), 404)
    refusal(await open311.get("/services/nothing.here.json"), 404)
    refusal(await open311.get("/services/dispute.mediation.json"), 404)  # opened by rules only
    refusal(await open311.get("/discovery"), 404)


async def test_a_wrong_method_is_405(open311: httpx.AsyncClient) -> None:
    response = await open311.post("/services.json")
    assert "use GET" in refusal(response, 405)
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    assert (await open311.delete("/requests.json")).headers["allow"] == "GET, POST, HEAD, OPTIONS"


@pytest.mark.parametrize("path", ["/services.json", "/requests.json", "/requests/x.json"])
async def test_options_advertises_only_the_methods_served(
    open311: httpx.AsyncClient, keys: dict[str, str], path: str
) -> None:
    answer = await open311.options(path)
    assert answer.status_code == 204
    advertised = [m.strip() for m in answer.headers["allow"].split(",")]
    for method in set(advertised) - {"OPTIONS"}:
        tried = await open311.request(method, path, params={"api_key": keys["command"]})
        assert tried.status_code != 405, method
    for method in {"PUT", "PATCH", "DELETE", "POST", "GET"} - set(advertised):
        assert (await open311.request(method, path)).status_code == 405, method


@pytest.mark.parametrize("path", ["/services.xml", "/services/city.litter.xml", "/requests.xml"])
async def test_xml_is_refused_json_only(open311: httpx.AsyncClient, path: str) -> None:
    assert "JSON only" in refusal(await open311.get(path), 406)


# -- filing -----------------------------------------------------------------------------


async def test_a_filed_request_is_a_grid_event_on_channel_open311(
    open311: httpx.AsyncClient, app: Starlette, keys: dict[str, str]
) -> None:
    response = await open311.post(
        "/requests.json", data=form(keys["command"], **{"attribute[severity]": "critical"})
    )
    (created,) = fits("request-created", response.json())
    event_id = created["service_request_id"]
    assert created["token"] == event_id
    # A critical report runs at most an hour (severity.yaml), not the category's two.
    assert created["service_notice"] == "To be handled within 1 hour."
    assert created["account_id"].startswith("key:")
    services = services_of(app)
    async with services.database.engine.connect() as connection:
        row = (
            await connection.execute(select(GridEventRow).where(GridEventRow.id == event_id))
        ).one()
    assert (row.channel, row.category, row.severity) == (
        "OPEN311",
        "municipal.manhole_cover",
        "CRITICAL",
    )
    assert (row.reporter_name, row.reporter_phone) == ("王小明", "13812345678")
    assert row.photos == ["https://photos.example.org/manhole.jpg"]
    assert row.address == "云溪街道文一路88号3幢2单元101室"
    async with services.database.engine.connect() as connection:
        first = (await ledger.timelines(connection, [event_id]))[event_id][0]
    assert (first.type, first.details["channel"]) == (GridEventType.REPORTED, "OPEN311")


async def test_the_reported_event_fits_its_published_schema(app: Starlette) -> None:
    services = services_of(app)
    category = services.bus.taxonomy.get("city.litter")
    assert category is not None
    params = Params({"lat": "30.312", "long": "120.053", "phone": "13812345678"})
    _, data = services.bus.intake.reported_event(report_of(params, category))
    schema = json.loads((EVENT_SCHEMAS_DIR / f"{GridEventType.REPORTED}.json").read_text())
    payload = data.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert not list(Draft202012Validator(schema).iter_errors(payload))
    assert payload["channel"] == "OPEN311"


async def test_json_bodies_and_header_keys_are_accepted(
    open311: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    fields = form(None, service_code="city.litter", media_url=None)
    fields["attribute"] = {"severity": "MEDIUM"}
    response = await open311.post(
        "/requests.json", json=fields, headers={"X-API-Key": keys["grid_worker"]}
    )
    assert response.status_code == 403  # the town's centre is outside worker A's grid
    response = await open311.post(
        "/requests.json", json=fields, headers={"Authorization": f"Bearer {keys['command']}"}
    )
    assert response.status_code == 200, response.text
    fits("request-created", response.json())


async def test_a_request_is_routed_like_any_report(
    open311: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    event_id = await file(open311, keys["command"])
    read = {"api_key": keys["command"]}

    async def routed() -> bool:
        (found,) = (await open311.get(f"/requests/{event_id}.json", params=read)).json()
        return bool(found["status_notes"].startswith("ROUTED"))

    await eventually(routed, within=20)
    (found,) = fits(
        "service-requests", (await open311.get(f"/requests/{event_id}.json", params=read)).json()
    )
    assert found["status"] == "open"
    assert found["agency_responsible"] == "城市管理局（数字城管）"
    assert found["expected_datetime"] is not None  # the deadline set at routing
    assert found["updated_datetime"] >= found["requested_datetime"]
    assert (found["lat"], found["long"]) == (30.312, 120.053)
    assert found["media_url"] == "https://photos.example.org/manhole.jpg"


# -- tracking ---------------------------------------------------------------------------


async def set_status(app: Starlette, event_id: str, status: str, **columns: object) -> None:
    """What the projection would write as the event moves on."""
    async with services_of(app).database.engine.begin() as connection:
        await connection.execute(
            update(GridEventRow).where(GridEventRow.id == event_id).values(status=status, **columns)
        )


async def test_requests_filter_by_id_service_status_and_date(
    open311: httpx.AsyncClient, app: Starlette, keys: dict[str, str]
) -> None:
    key = keys["command"]
    litter = await file(open311, key, service_code="city.litter")
    manhole = await file(open311, key)
    posters = await file(open311, key, service_code="city.posters")
    await set_status(app, posters, "VERIFIED")

    async def ids(**params: str) -> list[str]:
        response = await open311.get("/requests.json", params={"api_key": key, **params})
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in fits("service-requests", response.json())]

    assert await ids() == [posters, manhole, litter]  # newest first
    assert await ids(service_request_id=f"{litter},nope,{posters}") == [litter, posters]
    assert await ids(service_code="city.litter,city.posters") == [posters, litter]
    assert await ids(status="closed") == [posters]
    assert await ids(status="open") == [manhole, litter]
    assert await ids(status="open,closed", service_code="city") == [posters, litter]
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await ids(start_date=later) == []
    assert await ids(end_date=later) == [posters, manhole, litter]
    long_ago = "2020-01-01T00:00:00Z"
    assert await ids(end_date=long_ago) == []
    await set_status(app, litter, "REPORTED", reported_at=datetime.now(UTC) - timedelta(days=91))
    assert await ids() == [posters, manhole]  # 90 days when no dates are given
    assert litter in await ids(start_date=long_ago)


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("ROUTED", "open"),
        ("IN_PROGRESS", "open"),
        ("RETURNED", "open"),
        ("SUSPENDED", "open"),
        ("REOPENED", "open"),
        ("RESOLVED", "closed"),
        ("VERIFIED", "closed"),
        ("CLOSED", "closed"),
        ("MERGED", "closed"),
    ],
)
async def test_lifecycle_statuses_map_to_open_or_closed(
    open311: httpx.AsyncClient, app: Starlette, keys: dict[str, str], status: str, shown: str
) -> None:
    event_id = await file(open311, keys["command"])
    merged = {"merged_into": "01JPRIMARY000000000000000"} if status == "MERGED" else {}
    await set_status(app, event_id, status, **merged)
    response = await open311.get(f"/requests/{event_id}.json", params={"api_key": keys["command"]})
    (found,) = fits("service-requests", response.json())
    assert found["status"] == shown
    assert found["status_notes"].startswith(status)
    if merged:
        assert "merged into 01JPRIMARY000000000000000" in found["status_notes"]


async def test_a_token_names_its_request(open311: httpx.AsyncClient, keys: dict[str, str]) -> None:
    response = await open311.post("/requests.json", data=form(keys["command"]))
    (created,) = response.json()
    found = await open311.get(
        f"/tokens/{created['token']}.json", params={"api_key": keys["handler"]}
    )
    assert fits("tokens", found.json()) == [
        {"service_request_id": created["service_request_id"], "token": created["token"]}
    ]
    refusal(
        await open311.get(
            "/tokens/01NOTATOKEN0000000000000000.json", params={"api_key": keys["command"]}
        ),
        404,
    )
    refusal(await open311.get(f"/tokens/{created['token']}.json"), 401)


async def test_unknown_requests_are_404(open311: httpx.AsyncClient, keys: dict[str, str]) -> None:
    response = await open311.get(
        "/requests/01NOSUCHEVENT00000000000000.json", params={"api_key": keys["command"]}
    )
    assert "no service request" in refusal(response, 404)


# -- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"service_code": None}, "service_code is required"),
        ({"service_code": "city"}, "'city' is not a service"),
        ({"service_code": "nothing"}, "'nothing' is not a service"),
        ({"lat": None, "long": None}, "does not geocode address_string"),
        ({"lat": None, "long": None, "address_string": None}, "lat and long are required"),
        ({"lat": "north"}, "lat must be a number"),
        ({"lat": "nan"}, "lat must be a finite number"),
        ({"lat": "95"}, "lat must lie in [-90, 90]"),
        ({"at": OUTSIDE}, "outside every grid"),
        ({"media_url": "ftp://nope"}, "photos.0"),
        ({"attribute[severity]": "DIRE"}, "attribute[severity] must be one of"),
        ({"description": "长" * 2001}, "description is longer than 2000"),
        ({"phone": "1" * 30}, "reporter.phone"),
    ],
)
async def test_bad_submissions_are_400_and_file_nothing(
    open311: httpx.AsyncClient,
    app: Starlette,
    keys: dict[str, str],
    changes: dict[str, object],
    expected: str,
) -> None:
    response = await open311.post("/requests.json", data=form(keys["command"], **changes))
    assert expected in refusal(response, 400)
    async with services_of(app).database.engine.connect() as connection:
        assert (await connection.execute(select(GridEventRow.id))).first() is None


@pytest.mark.parametrize(
    ("content", "content_type", "status", "expected"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"[1, 2]", "application/json", 400, "must be an object"),
        (b'{"lat": [1]}', "application/json", 400, "lat must be a string or a number"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", 400, "not UTF-8"),
        (b"<service_request/>", "text/xml", 415, "not text/xml"),
    ],
)
async def test_malformed_bodies_are_refused(
    open311: httpx.AsyncClient,
    keys: dict[str, str],
    content: bytes,
    content_type: str,
    status: int,
    expected: str,
) -> None:
    response = await open311.post(
        "/requests.json",
        content=content,
        headers={"content-type": content_type, "X-API-Key": keys["command"]},
    )
    assert expected in refusal(response, status)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"start_date": "yesterday"}, "start_date must be a W3C date-time"),
        ({"start_date": ""}, "start_date is empty"),
        ({"end_date": " "}, "end_date is empty"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "end_date lies before"),
        ({"status": "pending"}, "status must be open or closed"),
        ({"service_request_id": ",".join(["x"] * 1001)}, "at most 1000"),
    ],
)
async def test_bad_queries_are_400(
    open311: httpx.AsyncClient, keys: dict[str, str], params: dict[str, str], expected: str
) -> None:
    response = await open311.get("/requests.json", params={"api_key": keys["command"], **params})
    assert expected in refusal(response, 400)


async def test_status_notes_carry_the_latest_note(
    open311: httpx.AsyncClient, app: Starlette, keys: dict[str, str]
) -> None:
    event_id = await file(open311, keys["command"])
    # Versions well past any the bus writes while it routes the report in the background.
    steps = [
        (100, "gov.grid.event.returned", "RETURNED", "非本部门职责"),
        (101, "gov.grid.event.resolved", "RESOLVED", "井盖已更换"),
    ]
    async with services_of(app).database.engine.begin() as connection:
        for version, step, status, note in steps:
            await connection.execute(
                ledger.TIMELINE.insert().values(
                    id=f"step-{version}-{event_id}",
                    event_id=event_id,
                    version=version,
                    type=step,
                    status=status,
                    occurred_at=datetime.now(UTC),
                    source="/test",
                    department="citymgmt",
                    note=note,
                    details={},
                )
            )
    await set_status(app, event_id, "RESOLVED")
    response = await open311.get(f"/requests/{event_id}.json", params={"api_key": keys["command"]})
    (found,) = fits("service-requests", response.json())
    assert (found["status"], found["status_notes"]) == ("closed", "RESOLVED: 井盖已更换")
