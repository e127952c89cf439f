"""The city-management simulator as the demo, the recorder and tests use it (``SIMULATED``)."""

from __future__ import annotations

from collections.abc import Generator

import httpx
from starlette.applications import Starlette

from connectors.citymgmt import simulator
from connectors.citymgmt.data import TREE, NewCase
from connectors.citymgmt.scheme import unit_grids
from connectors.sdk.simulation import NoAuth, Recorder, Simulated

FIRST_KEY = "01JDEMO0000000000000000001"
SECOND_KEY = "01JDEMO0000000000000000002"
CASE = {
    "category_code": "0101",
    "description": "网格员上报：小区门口垃圾堆积未清运。",
    "address": "云溪街道青山路1号门口",
    "longitude": 120.0521,
    "latitude": 30.3115,
}


def seed_personal(app: Starlette, grid: str, lat: float, lon: float) -> None:
    """A case at (lat, lon) with its reporter's name and phone."""
    city = app.state.system
    case = NewCase(
        category=next(c.code for c in TREE if c.limit),
        description="井盖缺失",
        address="云溪街道文一路88号东侧",
        lon=lon,
        lat=lat,
        reporter=("陈美玲", "13900002222"),
    )
    city.data.register(case, None, city.clock)


async def record(record: Recorder) -> None:
    """Tokens, unit grids, categories, paging by grid, the handover and version changes."""
    form = {
        "grant_type": "client_credentials",
        "client_id": simulator.DEMO_CLIENT_ID,
        "client_secret": simulator.DEMO_CLIENT_SECRET,
    }
    await _record_form(record, "token", "a bearer token for the client's credentials", form)
    wrong = {**form, "client_secret": "wrong"}
    await _record_form(record, "token-refused", "wrong client secret", wrong)
    await record(
        "unit-grids", "unit grids (单元网格), the first two", "GET", "/api/v2/unit-grids",
        params={"limit": "2"},
    )  # fmt: skip
    await record("categories", "the category tree with time limits", "GET", "/api/v2/categories")
    cases = "/api/v2/cases"
    grids = {"grid_code": "33019900105049,33019900105050,33019900105061", "limit": "2"}
    await record("cases-page-1", "cases of three unit grids", "GET", cases, params=grids)
    await record("cases-page-2", "the next page", "GET", cases, params={**grids, "offset": "2"})
    street_order = {"status": "派遣,处置", "kind": "事件", "category": "05", "limit": "1"}
    await record("cases-filtered", "open 街面秩序 events", "GET", cases, params=street_order)
    await record("case-unknown", "an unknown case", "GET", f"{cases}/CG20260101999999")
    await _handover(record, cases)
    await record(
        "expired-token", "an unknown or expired bearer token", "GET", "/api/v2/categories",
        auth=_Bearer("expired-or-unknown-token"),
    )  # fmt: skip


async def _handover(record: Recorder, cases: str) -> None:
    key = {"Idempotency-Key": FIRST_KEY}
    created = await record(
        "create", "a case handed over by the hub", "POST", cases, json_body=CASE, headers=key
    )
    await record(
        "create-repeated", "the same request again: the first case", "POST", cases,
        json_body=CASE, headers=key,
    )  # fmt: skip
    await record(
        "create-refused", "a main category, not a subcategory: not competent", "POST", cases,
        json_body={**CASE, "category_code": "01"}, headers={"Idempotency-Key": SECOND_KEY},
    )  # fmt: skip
    await record.admin("POST", f"/_admin/advance/{created.json()['id']}", {"status": "派遣"})
    since = {"since_version": str(created.json()["version"] - 1), "order": "version_asc"}
    await record("changes", "cases changed after a version, in order", "GET", cases, params=since)


async def _record_form(record: Recorder, name: str, title: str, form: dict[str, str]) -> None:
    """The token request is a form; its secret is written as a placeholder."""
    response = await record.client.post("/oauth/token", data=form, auth=NoAuth())
    sent = {
        "method": "POST",
        "path": "/oauth/token",
        "query": {},
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "body": {**form, "client_secret": "<the client's secret>"},
    }
    record.write(name, title, sent, response)


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


SIMULATED = Simulated(
    create_app=simulator.create_app,
    credentials={
        "client_id": simulator.DEMO_CLIENT_ID,
        "client_secret": simulator.DEMO_CLIENT_SECRET,
    },
    grid_scheme=unit_grids,
    seed_personal=seed_personal,
    record=record,
)
