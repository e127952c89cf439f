"""Record example exchanges with the simulators into ``contracts/upstream/<system>/examples``.

    python -m hub.demo.recorder [--output DIR]

The simulators run in-process on a fixed seed and a clock that stands still, so the
files change only when a simulator or a contract does. Credentials are never written:
no auth headers, and an issued access token is replaced by a placeholder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from connectors.citymgmt import simulator as citymgmt
from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN, ManualClock, SimulatorSettings
from connectors.sdk.simulation.demo_town import generate_town
from hub.core.paths import contracts_to_write
from hub.demo.simulators import demo_apps, demo_auth

RECORDED_AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
TOKEN_PLACEHOLDER = "recorded-token-not-a-credential"  # noqa: S105 - replaces the real one
KEPT_RESPONSE_HEADERS = (
    "content-type",
    "location",
    "retry-after",
    "www-authenticate",
    "idempotent-replayed",
    "cache-control",
)
ADMIN = {"X-Admin-Token": DEFAULT_ADMIN_TOKEN}


class Recorder:
    """Sends requests to one simulator and writes each exchange to a file of its own."""

    def __init__(self, client: httpx.AsyncClient, folder: Path) -> None:
        self.client = client
        self.folder = folder
        self.written: list[Path] = []

    async def __call__(  # noqa: PLR0913 - a request's parts
        self,
        name: str,
        title: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        request = self.client.build_request(
            method, path, params=params, json=json_body, headers=headers
        )
        response = await self.client.send(request, auth=auth or self.client.auth)
        sent = {
            "method": method,
            "path": request.url.path,
            "query": dict(params or {}),
            "headers": dict(headers or {}),
            "body": json_body,
        }
        self.write(name, title, sent, response)
        return response

    def write(self, name: str, title: str, sent: dict[str, Any], response: httpx.Response) -> None:
        """One exchange to its own file: what was sent, and what came back."""
        kept = {k: response.headers[k] for k in KEPT_RESPONSE_HEADERS if k in response.headers}
        exchange = {
            "name": title,
            "request": sent,
            "response": {"status": response.status_code, "headers": kept, "body": _body(response)},
        }
        path = self.folder / f"{name}.json"
        path.write_text(json.dumps(exchange, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.written.append(path)

    async def admin(self, method: str, path: str, body: Any = None) -> None:
        response = await self.client.request(method, path, json=body, headers=ADMIN)
        response.raise_for_status()


def _body(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict) and "access_token" in body:
        body["access_token"] = TOKEN_PLACEHOLDER
    return body


class NoAuth(httpx.Auth):
    """Sends the request as it is: what an unauthenticated caller does."""


POLICE_ORDER = {
    "category": "DISPUTE",
    "summary": "邻里纠纷",
    "description": "网格员上报：楼上楼下因漏水发生争执。",
    "location": {"latitude": 30.3115, "longitude": 120.0521, "address": "云溪街道青山路1号附近"},
}
CITY_CASE = {
    "category_code": "0101",
    "description": "网格员上报：小区门口垃圾堆积未清运。",
    "address": "云溪街道青山路1号门口",
    "longitude": 120.0521,
    "latitude": 30.3115,
}
HOTLINE_ORDER = {
    "externalNo": "01JDEMO0000000000000000001",
    "appealType": "投诉",
    "category": "HB01",
    "title": "夜间施工噪声",
    "content": "网格员上报：工地夜间施工，噪声扰民。",
    "community": "枫桥社区",
    "address": "云溪街道青山路1号",
    "location": {"lng": 120.0521, "lat": 30.3115},
}
GEOLOCATION = {
    "url": "http://hl7.org/fhir/StructureDefinition/geolocation",
    "extension": [
        {"url": "latitude", "valueDecimal": 30.3115},
        {"url": "longitude", "valueDecimal": 120.0521},
    ],
}
HEALTH_TASK = {
    "resourceType": "Task",
    "status": "requested",
    "intent": "order",
    "priority": "urgent",
    "code": {"coding": [{"system": "urn:yunxi:health:followup-type", "code": "health-check"}]},
    "description": "网格员上报：独居老人两天未出门，请上门问询。",
    "extension": [GEOLOCATION],
}
FIRST_KEY = "01JDEMO0000000000000000001"
SECOND_KEY = "01JDEMO0000000000000000002"
CALL_BACK = {
    "id": "01JDEMO0000000000000000003",
    "externalNo": "01JDEMO0000000000000000001",
    "phone": "13800000000",
    "content": "您反映的“夜间施工噪声扰民”已处理完毕，我们将安排回访，感谢您的监督。",
}


async def record_police(record: Recorder) -> None:
    await record("grids", "the police grids (警格) as GeoJSON", "GET", "/api/v1/grids")
    await record("categories", "incident categories", "GET", "/api/v1/categories")
    incidents = "/api/v1/incidents"
    grids = {"grid": "JG-YX-01,JG-YX-02", "size": "2"}
    first = await record(
        "incidents-page-1", "incidents of two grids, page 1", "GET", incidents, params=grids
    )
    await record(
        "incidents-page-2", "the same, page 2", "GET", incidents, params={**grids, "page": "2"}
    )
    window = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-11-23T00:00:00+08:00"}
    filtered = {"grid": "JG-YX-03", "status": "CLOSED", "category": "DISPUTE,NOISE", "size": "1"}
    filtered |= window
    await record(
        "incidents-filtered",
        "closed disputes and noise in a window",
        "GET",
        incidents,
        params=filtered,
    )
    incident = first.json()["data"]["records"][0]["id"]
    await record("incident", "one incident", "GET", f"{incidents}/{incident}")
    await record("incident-unknown", "an unknown incident", "GET", f"{incidents}/JQ20260101999999")
    await record(
        "patrol-units", "patrol units of a police grid", "GET", "/api/v1/patrol-units",
        params={"grid": "JG-YX-05"},
    )  # fmt: skip
    key = {"Idempotency-Key": FIRST_KEY}
    created = await record(
        "create", "an incident handed over by the hub", "POST", incidents,
        json_body=POLICE_ORDER, headers=key,
    )  # fmt: skip
    await record(
        "create-repeated", "the same request again: the first incident", "POST", incidents,
        json_body=POLICE_ORDER, headers=key,
    )  # fmt: skip
    await record(
        "create-refused", "not police business: refused", "POST", incidents,
        json_body={**POLICE_ORDER, "category": "LITTER"}, headers={"Idempotency-Key": SECOND_KEY},
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
    await _failures(record, "/api/v1/categories")


async def record_citymgmt(record: Recorder) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": citymgmt.DEMO_CLIENT_ID,
        "client_secret": citymgmt.DEMO_CLIENT_SECRET,
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
    first = await record("cases-page-1", "cases of three unit grids", "GET", cases, params=grids)
    await record("cases-page-2", "the next page", "GET", cases, params={**grids, "offset": "2"})
    street_order = {"status": "派遣,处置", "kind": "事件", "category": "05", "limit": "1"}
    await record("cases-filtered", "open 街面秩序 events", "GET", cases, params=street_order)
    await record("case", "one case", "GET", f"{cases}/{first.json()['results'][0]['id']}")
    await record("case-unknown", "an unknown case", "GET", f"{cases}/CG20260101999999")
    key = {"Idempotency-Key": FIRST_KEY}
    created = await record(
        "create", "a case handed over by the hub", "POST", cases, json_body=CITY_CASE, headers=key
    )
    await record(
        "create-repeated", "the same request again: the first case", "POST", cases,
        json_body=CITY_CASE, headers=key,
    )  # fmt: skip
    await record(
        "create-refused", "a main category, not a subcategory: not competent", "POST", cases,
        json_body={**CITY_CASE, "category_code": "01"}, headers={"Idempotency-Key": SECOND_KEY},
    )  # fmt: skip
    await record.admin("POST", f"/_admin/advance/{created.json()['id']}", {"status": "派遣"})
    since = {"since_version": str(created.json()["version"] - 1), "order": "version_asc"}
    await record("changes", "cases changed after a version, in order", "GET", cases, params=since)
    await record(
        "expired-token", "an unknown or expired bearer token", "GET", "/api/v2/categories",
        auth=_Bearer("expired-or-unknown-token"),
    )  # fmt: skip
    await _failures(record, "/api/v2/categories")


async def record_petition(record: Recorder) -> None:
    await record(
        "communities", "the communities orders are located by", "GET", "/api/v1/communities"
    )
    await record("categories", "the business categories", "GET", "/api/v1/categories")
    orders = "/api/v1/workorders"
    query = {"community": "枫桥社区,松涛社区", "limit": "2"}
    first = await record(
        "workorders-page-1", "orders of two communities", "GET", orders, params=query
    )
    cursor = first.json()["next_cursor"]
    await record(
        "workorders-page-2", "the next page", "GET", orders, params={**query, "cursor": cursor}
    )
    other = {"community": "白沙社区", "cursor": cursor}
    await record("workorders-bad-cursor", "a cursor of other filters", "GET", orders, params=other)
    await record("workorder", "one work order", "GET", f"{orders}/{first.json()['data'][0]['id']}")
    created = await record(
        "create", "a work order handed over by the hub", "POST", orders, json_body=HOTLINE_ORDER
    )
    await record(
        "create-repeated", "the same externalNo again: the first order", "POST", orders,
        json_body=HOTLINE_ORDER,
    )  # fmt: skip
    await record(
        "create-refused", "an emergency, not a hotline matter: refused", "POST", orders,
        json_body={**HOTLINE_ORDER, "externalNo": SECOND_KEY, "category": "FIRE"},
    )  # fmt: skip
    order = f"{orders}/{created.json()['data']['id']}"
    await record(
        "reply-too-early", "a reply before the order is handled", "POST", f"{order}/replies",
        json_body={"content": "已处理"},
    )  # fmt: skip
    await record.admin(
        "POST", f"/_admin/advance/{created.json()['data']['id']}", {"status": "办理"}
    )
    reply = {"content": "经核实，已责令工地停止夜间施工。", "replier": "生态环境分局"}
    await record(
        "reply", "the unit replies to the citizen", "POST", f"{order}/replies", json_body=reply
    )
    await record.admin("POST", f"/_admin/advance/{created.json()['data']['id']}")
    await record(
        "evaluation", "the follow-up visit and the citizen's rating", "POST",
        f"{order}/evaluations", json_body={"satisfaction": "满意"},
    )  # fmt: skip
    await record(
        "callback", "a reply owed to a caller, queued by the hub", "POST", "/api/v1/callbacks",
        json_body=CALL_BACK,
    )  # fmt: skip
    changes = await record(
        "changes", "the change log, first three", "GET", f"{orders}/changes", params={"limit": "3"}
    )
    await record(
        "changes-next", "the change log, from the cursor on", "GET", f"{orders}/changes",
        params={"cursor": changes.json()["next_cursor"]},
    )  # fmt: skip
    await _failures(record, "/api/v1/categories")


async def record_health(record: Recorder) -> None:
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
    task_id = first.json()["entry"][0]["resource"]["id"]
    await record("task", "one follow-up", "GET", f"/fhir/Task/{task_id}")
    await record("task-unknown", "an unknown Task", "GET", "/fhir/Task/fu-999999")
    active = {"status": "active", "_count": "2"}
    flags = await record("flags", "active area alerts", "GET", "/fhir/Flag", params=active)
    await record(
        "flag", "one alert", "GET", f"/fhir/Flag/{flags.json()['entry'][0]['resource']['id']}"
    )
    condition = {"If-None-Exist": f"identifier=urn:grid-hub:event|{FIRST_KEY}"}
    created = await record(
        "create", "a follow-up asked for by the hub (conditional create)", "POST", "/fhir/Task",
        json_body=HEALTH_TASK, headers=condition,
    )  # fmt: skip
    await record(
        "create-repeated", "the same identifier again: the first Task", "POST", "/fhir/Task",
        json_body=HEALTH_TASK, headers=condition,
    )  # fmt: skip
    coding = [{"system": "urn:yunxi:health:followup-type", "code": "surgery"}]
    await record(
        "create-refused", "not a follow-up this platform does: refused", "POST", "/fhir/Task",
        json_body={**HEALTH_TASK, "code": {"coding": coding}},
        headers={"If-None-Exist": f"identifier=urn:grid-hub:event|{SECOND_KEY}"},
    )  # fmt: skip
    before = created.json()["meta"]["lastUpdated"]
    await record.admin("POST", f"/_admin/advance/{created.json()['id']}")
    feed = {"_lastUpdated": f"gt{before}", "_sort": "_lastUpdated"}
    await record(
        "changes", "Tasks changed after an instant, in order", "GET", "/fhir/Task", params=feed
    )
    await _failures(record, "/fhir/Location")


async def _record_form(record: Recorder, name: str, title: str, form: dict[str, str]) -> None:
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

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


async def _failures(record: Recorder, path: str) -> None:
    """What every system answers without credentials, over its rate limit, and failing."""
    await record("unauthorized", "no credentials", "GET", path, auth=NoAuth())
    await record.admin("POST", "/_admin/faults", {"rate_limit": {"per_second": 0.001, "burst": 1}})
    await record.client.get(path)
    await record("rate-limited", "over the rate limit: 429 with Retry-After", "GET", path)
    await record.admin("POST", "/_admin/faults", {"error_rate": 1, "error_status": 503})
    await record("unavailable", "the system is down: 503", "GET", path)
    await record.admin("DELETE", "/_admin/faults")


Scenario = Callable[[Recorder], Awaitable[None]]


SCENARIOS: dict[str, Scenario] = {
    "police": record_police,
    "citymgmt": record_citymgmt,
    "petition": record_petition,
    "health": record_health,
}
BASE_URLS = {  # the contracts' servers: the hosts recorded links name
    "police": "http://127.0.0.1:8101",
    "citymgmt": "http://127.0.0.1:8102",
    "petition": "http://127.0.0.1:8103",
    "health": "http://127.0.0.1:8104",
}


async def record_all(output: Path) -> list[Path]:
    clock = ManualClock(RECORDED_AT)
    settings = SimulatorSettings(as_of=RECORDED_AT, clock=clock)
    apps = demo_apps(settings, generate_town())
    written: list[Path] = []
    for system, scenario in SCENARIOS.items():
        folder = output / system / "examples"
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.json"):
            stale.unlink()
        base_url = BASE_URLS[system]
        auth = demo_auth(system, base_url, clock=lambda: clock.now().timestamp())
        transport = httpx.ASGITransport(app=apps[system])
        async with httpx.AsyncClient(transport=transport, base_url=base_url, auth=auth) as client:
            recorder = Recorder(client, folder)
            await scenario(recorder)
            written += recorder.written
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--output",
        type=Path,
        help="default: the checkout's contracts/upstream; installed, ./contracts/upstream",
    )
    output = parser.parse_args().output or contracts_to_write() / "upstream"
    written = asyncio.run(record_all(output))
    print(f"recorded {len(written)} exchanges")


if __name__ == "__main__":
    main()
