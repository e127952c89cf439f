"""The city-management simulator behaves as a 数字城管 system: unit grids, the category
tree's time limits, offset paging, expiring tokens, creates and the version feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.citymgmt.data import CASES, CATEGORY_BY_CODE, deadline_after
from connectors.citymgmt.scheme import unit_grids
from connectors.citymgmt.simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, create_app
from connectors.sdk import OAuth2ClientCredentials
from connectors.sdk.simulation import BEIJING, ManualClock, SchemeIndex, SimulatorSettings
from tests.support.simulators import BASE_URL, admin, client, simulator_fixtures

CASE = {
    "category_code": "0501",
    "description": "网格员上报：路口有流动摊贩占道经营。",
    "address": "云溪街道青山路1号门口",
    "longitude": 120.0521,
    "latitude": 30.3115,
}
AS_OF = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


shared, reader, http = simulator_fixtures("citymgmt", create_app)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def test_unit_grids_are_small_cells_with_fourteen_digit_codes(
    town_document: dict[str, Any],
) -> None:
    grids = unit_grids(town_document)["features"]
    assert 500 < len(grids) < 700
    codes = [f["properties"]["code"] for f in grids]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 14 and code.startswith("330199001") for code in codes)
    areas = [f["properties"]["area_sqm"] for f in grids]
    assert min(areas) >= 0.25 * 40_000
    assert max(areas) < 3 * 40_000


async def test_offset_pages_walk_every_case_once(reader: httpx.AsyncClient) -> None:
    seen = []
    for offset in range(0, CASES, 200):
        body = (await reader.get("/api/v2/cases", params={"offset": offset, "limit": 200})).json()
        assert (body["offset"], body["limit"], body["count"]) == (offset, 200, CASES)
        seen += body["results"]
    assert len({c["id"] for c in seen}) == CASES


async def test_cases_are_filed_on_the_unit_grid_of_their_point_and_keep_their_limits(
    reader: httpx.AsyncClient, town_document: dict[str, Any]
) -> None:
    index = SchemeIndex(unit_grids(town_document))
    body = (await reader.get("/api/v2/cases", params={"limit": 200})).json()
    for case in body["results"]:
        assert index.code_at(case["longitude"], case["latitude"]) == case["grid_code"]
        category = CATEGORY_BY_CODE[case["category_code"]]
        assert category.limit == (case["time_limit"]["value"], case["time_limit"]["unit"])
        steps = [step["status"] for step in case["flow"]]
        assert steps[0] == "受理"
        assert steps[-1] == case["status"]
        if "派遣" in steps:
            dispatched = local(case["flow"][steps.index("派遣")]["at"])
            assert local(case["deadline"]) == deadline_after(dispatched, category)
        else:
            assert case["deadline"] is None


async def test_many_unit_grids_in_one_request_and_category_prefixes(
    reader: httpx.AsyncClient, town_document: dict[str, Any]
) -> None:
    every = ",".join(f["properties"]["code"] for f in unit_grids(town_document)["features"])
    body = (await reader.get("/api/v2/cases", params={"grid_code": every, "limit": 1})).json()
    assert body["count"] == CASES
    parts = (await reader.get("/api/v2/cases", params={"category": "11", "limit": 200})).json()
    assert parts["count"] > 0
    assert all(c["category_code"].startswith("11") for c in parts["results"])
    assert all(c["kind"] == "部件" for c in parts["results"])


async def test_a_create_is_idempotent_and_refuses_what_is_not_city_management(
    http: httpx.AsyncClient,
) -> None:
    first = await http.post("/api/v2/cases", json=CASE, headers={"Idempotency-Key": "e1"})
    again = await http.post("/api/v2/cases", json=CASE, headers={"Idempotency-Key": "e1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    case = first.json()
    assert (case["status"], case["source"], case["external_ref"]) == ("受理", "联动平台", "e1")
    main_category = CASE | {"category_code": "05"}
    main = await http.post("/api/v2/cases", json=main_category, headers={"Idempotency-Key": "e2"})
    assert (main.status_code, main.json()["error"]) == (422, "not_competent")
    away = CASE | {"longitude": 121.5, "latitude": 31.2}
    outside = await http.post("/api/v2/cases", json=away, headers={"Idempotency-Key": "e3"})
    assert (outside.status_code, outside.json()["error"]) == (422, "out_of_area")


async def test_the_version_feed_shows_an_advanced_case_once_in_order(
    http: httpx.AsyncClient,
) -> None:
    case = (await http.post("/api/v2/cases", json=CASE, headers={"Idempotency-Key": "f"})).json()
    open_ones: dict[str, Any] = {"status": "立案,派遣,处置,核查", "limit": 1}
    other = (await http.get("/api/v2/cases", params=open_ones)).json()["results"][0]
    await admin(http, "POST", f"advance/{case['id']}", {"status": "派遣"})
    await admin(http, "POST", f"advance/{other['id']}")
    feed = {"since_version": case["version"], "order": "version_asc"}
    changed = (await http.get("/api/v2/cases", params=feed)).json()["results"]
    ids = [c["id"] for c in changed]
    assert len(ids) == len(set(ids))
    versions = [c["version"] for c in changed]
    assert versions == sorted(versions)
    mine = next(c for c in changed if c["id"] == case["id"])
    assert mine["status"] == "派遣"
    assert [s["status"] for s in mine["flow"]] == ["受理", "立案", "派遣"]
    assert mine["deadline"] is not None
    after = {"since_version": versions[-1], "order": "version_asc"}
    assert (await http.get("/api/v2/cases", params=after)).json()["results"] == []


async def test_a_token_expires_and_a_new_one_is_issued(town_document: dict[str, Any]) -> None:
    clock = ManualClock(AS_OF)
    app = create_app(SimulatorSettings(clock=clock), town=town_document, token_ttl_seconds=30)
    auth = OAuth2ClientCredentials(
        f"{BASE_URL}/oauth/token", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, leeway=0.0
    )
    async with client("citymgmt", app, auth=auth) as http:
        assert (await http.get("/api/v2/categories")).status_code == 200
        form = {
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        }
        token = (await http.post("/oauth/token", data=form, auth=NoAuth())).json()
        assert token["expires_in"] == 30
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        clock.advance(31)
        expired = await http.get("/api/v2/categories", headers=bearer, auth=NoAuth())
        assert expired.status_code == 401
        assert expired.json()["error"] == "invalid_token"
        assert (await http.get("/api/v2/categories")).status_code == 200  # the client refreshes


class NoAuth(httpx.Auth):
    """Send the request as built."""
