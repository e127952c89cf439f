"""Grid events in the graph: reporting, typed errors, the ledger, Grid.events, the stream."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.app import create_app
from hub.config import Settings
from hub.core.clock import ManualClock
from hub.events import LiveEvents
from tests.conftest import GraphQLClient
from tests.hub.http.test_transports import parse_events
from tests.support.events import INSIDE, OUTSIDE, eventually
from tests.support.live import live_server
from tests.support.principals import bearer

REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) {
  id gridCode status title channel severity place { lat lon address }
  reporter { name phone } category { code name lead { code } } timeLimit { value unit } } }"""
EVENT = """query($id: ID!) { event(id: $id) { id status version leadDepartment { code }
  disposition deadline grid { code name } microGrid { code }
  timeline { step status version source department } departmentOrders { department } } }"""


def report_input(category: str = "municipal.manhole_cover", **changes: Any) -> dict[str, Any]:
    lat, lon = changes.pop("at", INSIDE)
    return {
        "category": category,
        "description": "井盖缺失，行人易踩空",
        "channel": "HOTLINE",
        "location": {"lat": lat, "lon": lon, "address": "云溪路12号"},
        "reporter": {"name": "李四", "phone": "13900000000"},
        **changes,
    }


async def report(gql: GraphQLClient, **changes: Any) -> dict[str, Any]:
    body = await gql(REPORT, i=report_input(**changes))
    assert "errors" not in body, body
    return body["data"]["reportEvent"]  # type: ignore[no-any-return]


async def test_report_event_places_and_describes_the_event(gql: GraphQLClient) -> None:
    event = await report(gql)
    assert event["gridCode"] == "330199001006005"
    assert (event["status"], event["channel"], event["severity"]) == ("REPORTED", "HOTLINE", "HIGH")
    assert event["title"] == event["category"]["name"] == "井盖缺失破损"
    assert event["category"]["lead"] == {"code": "citymgmt"}
    assert event["timeLimit"] == {"value": 2, "unit": "HOURS"}
    assert event["reporter"] == {"name": "李四", "phone": "13900000000"}
    assert event["place"]["address"] == "云溪路12号"


@pytest.mark.parametrize(
    ("changes", "code", "argument"),
    [
        ({"at": OUTSIDE}, "LOCATION_OUTSIDE_GRIDS", "input.location"),
        ({"category": "city"}, "BAD_USER_INPUT", "input.category"),
        ({"photos": ["ftp://nope"]}, "BAD_USER_INPUT", "input.photos.0"),
        ({"reporter": {"phone": "1" * 30}}, "BAD_USER_INPUT", "input.reporter.phone"),
    ],
)
async def test_bad_reports_get_typed_errors(
    gql: GraphQLClient, changes: dict[str, Any], code: str, argument: str
) -> None:
    body = await gql(REPORT, i=report_input(**changes))
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["argument"] == argument
    assert body["data"] is None


async def test_an_unknown_channel_is_refused_by_the_schema(gql: GraphQLClient) -> None:
    body = await gql(REPORT, i=report_input(channel="DEPARTMENT"))
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_the_event_has_its_timeline_once_routed(gql: GraphQLClient) -> None:
    event_id = (await report(gql))["id"]

    async def routed() -> bool:
        found = (await gql(EVENT, id=event_id))["data"]["event"]
        return bool(found["status"] == "ROUTED")

    await eventually(routed, within=20)
    found = (await gql(EVENT, id=event_id))["data"]["event"]
    assert found["leadDepartment"] == {"code": "citymgmt"}
    assert (found["disposition"], found["version"]) == ("SINGLE", 2)
    assert found["deadline"] is not None
    assert found["grid"]["code"] == "330199001006005"
    assert found["microGrid"]["code"].startswith("330199001006005")
    assert [(s["step"], s["version"], s["source"]) for s in found["timeline"]] == [
        ("REPORTED", 1, "/hub/intake"),
        ("ROUTED", 2, "/hub/router"),
    ]
    assert found["departmentOrders"] == []  # no city-management connector wired in this app


async def test_events_page_newest_first_and_filter(gql: GraphQLClient) -> None:
    ids = [
        (await report(gql, category=c))["id"]
        for c in ("city.litter", "market.consumer", "city.posters")
    ]
    query = """query($f: GridEventFilter, $after: String) {
        events(filter: $f, first: 2, after: $after) {
          totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
    first = (await gql(query, f=None))["data"]["events"]
    assert [e["node"]["id"] for e in first["edges"]] == ids[::-1][:2]
    assert first["totalCount"] == 3
    rest = (await gql(query, f=None, after=first["pageInfo"]["endCursor"]))["data"]["events"]
    assert [e["node"]["id"] for e in rest["edges"]] == [ids[0]]
    assert not rest["pageInfo"]["hasNextPage"]
    cities = (await gql(query, f={"categories": ["city"], "within": "330199001006"}))["data"][
        "events"
    ]
    assert {e["node"]["id"] for e in cities["edges"]} == {ids[0], ids[2]}
    elsewhere = (await gql(query, f={"within": "330199001007"}))["data"]["events"]
    assert elsewhere["totalCount"] == 0


async def test_a_bad_filter_is_a_typed_error(gql: GraphQLClient) -> None:
    body = await gql('{ events(filter: {within: "12"}) { totalCount } }')
    assert body["errors"][0]["extensions"]["argument"] == "filter.within"
    body = await gql('{ events(filter: {departments: ["airport"]}) { totalCount } }')
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "filter.departments",
    }
    body = await gql("{ events(filter: {levels: [5]}) { totalCount } }")
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "filter.levels",
    }


async def test_the_time_left_runs_on_the_hubs_clock(app: Starlette, gql: GraphQLClient) -> None:
    event_id = (await report(gql))["id"]  # a missing manhole cover: two clock hours
    query = """query($id: ID!) { event(id: $id) { status deadline timeLeft overdue level } }"""

    async def routed() -> bool:
        return bool((await gql(query, id=event_id))["data"]["event"]["status"] == "ROUTED")

    await eventually(routed, within=20)
    found = (await gql(query, id=event_id))["data"]["event"]
    assert 0 < found["timeLeft"] <= 2 * 3600
    assert (found["overdue"], found["level"]) == (False, 1)
    deadline = datetime.fromisoformat(found["deadline"])
    app.state.services.bus.clock = ManualClock(deadline + timedelta(minutes=1))
    late = (await gql(query, id=event_id))["data"]["event"]
    assert (late["timeLeft"], late["overdue"]) == (-60, True)
    at_level = """query($l: [Int!]) { events(filter: {levels: $l}) { totalCount } }"""
    assert (await gql(at_level, l=[1]))["data"]["events"]["totalCount"] == 1
    assert (await gql(at_level, l=[2, 3, 4]))["data"]["events"]["totalCount"] == 0


async def test_a_grid_lists_its_own_events(gql: GraphQLClient) -> None:
    event_id = (await report(gql))["id"]
    body = await gql(
        '{ grid(code: "330199001006005") { events(first: 5) {'
        " totalCount edges { node { id } } } } }"
    )
    assert body["data"]["grid"]["events"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": event_id}}],
    }
    other = await gql('{ grid(code: "330199001006004") { events { totalCount } } }')
    assert other["data"]["grid"]["events"]["totalCount"] == 0


async def test_the_categories_one_can_report(gql: GraphQLClient) -> None:
    body = await gql("{ eventCategories(reportable: true) { code inGrid lead { code } } }")
    codes = {c["code"] for c in body["data"]["eventCategories"]}
    assert "city.litter" in codes
    assert "dispute.mediation" not in codes  # opened by rules only
    assert "city" not in codes  # a group


async def test_federation_resolves_grid_events_by_id(gql: GraphQLClient) -> None:
    event_id = (await report(gql))["id"]
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on GridEvent { id status } } }"
    )
    body = await gql(query, r=[{"__typename": "GridEvent", "id": event_id}])
    assert body["data"]["_entities"] == [
        {"id": event_id, "status": body["data"]["_entities"][0]["status"]}
    ]


async def test_the_stream_over_sse_sees_the_report_then_its_route(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    app = create_app(town_settings)
    live: LiveEvents = app.state.services.bus.live
    subscription = """subscription { gridEvents(filter: {within: "330199001006"}) {
        step eventId gridCode status departments } }"""

    async def stream(http: httpx.AsyncClient) -> list[tuple[str, Any]]:
        events: list[tuple[str, Any]] = []
        buffer = ""
        headers = {"accept": "text/event-stream"}
        async with http.stream(
            "POST", "/graphql", json={"query": subscription}, headers=headers
        ) as response:
            async for chunk in response.aiter_text():
                buffer += chunk
                while "\n\n" in buffer and len(events) < 2:
                    block, buffer = buffer.split("\n\n", 1)
                    events += parse_events(block + "\n\n")
                if len(events) == 2:
                    return events
        return events

    async with (
        live_server(app) as address,
        httpx.AsyncClient(
            base_url=f"http://{address}",
            timeout=20,
            headers=bearer(keys["command"], purpose="tests"),
        ) as http,
    ):
        await asyncio.wait_for(live.ready.wait(), 10)
        reading = asyncio.create_task(stream(http))
        await eventually(lambda: len(live.subscribers) == 1, within=10)
        event_id = (await report(GraphQLClient(http)))["id"]
        events = await asyncio.wait_for(reading, 20)
    assert [(kind, data["data"]["gridEvents"]["step"]) for kind, data in events] == [
        ("next", "REPORTED"),
        ("next", "ROUTED"),
    ]
    assert {data["data"]["gridEvents"]["eventId"] for _, data in events} == {event_id}
    assert events[1][1]["data"]["gridEvents"]["departments"] == ["citymgmt"]
