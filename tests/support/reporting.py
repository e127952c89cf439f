"""Reports sent to a running hub over HTTP at a steady pace, and which of them it routed:
for tests that stop processes while reports flow."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.events import INSIDE
from tests.support.principals import bearer

REPORT = "mutation($i: ReportEventInput!) { reportEvent(input: $i) { id status } }"
STATUS = "query($id: ID!) { event(id: $id) { status } }"


def report_body() -> dict[str, object]:
    """A litter report inside the demo town, as the GraphQL request's body."""
    lat, lon = INSIDE
    report = {
        "category": "city.litter",
        "description": "楼道堆物",
        "channel": "PATROL",
        "location": {"lat": lat, "lon": lon},
    }
    return {"query": REPORT, "variables": {"i": report}}


async def keep_posting(
    base: str, key: str, accepted: list[str], *, stop: asyncio.Event, rate: float = 20
) -> None:
    """Reports at ``rate`` a second until ``stop``: keeps the ids the hub accepted."""
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=bearer(key)) as http:
        while not stop.is_set():
            event = await _post(http)
            if event is not None:
                accepted.append(event)
            await asyncio.sleep(1 / rate)


async def _post(http: httpx.AsyncClient) -> str | None:
    """The event's id if the report was accepted; None if refused or not answered."""
    try:
        answer = await http.post("/graphql", json=report_body())
        event = answer.json()["data"]["reportEvent"]
    except (httpx.TransportError, KeyError, TypeError, ValueError):
        return None  # the server is going away, or refused it: not accepted
    return str(event["id"]) if event else None


async def unrouted(base: str, key: str, ids: list[str]) -> list[str]:
    """Those of ``ids`` the hub has not routed yet (still REPORTED, or unknown)."""
    left = []
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=bearer(key)) as http:
        for event_id in ids:
            try:
                answer = await http.post(
                    "/graphql", json={"query": STATUS, "variables": {"id": event_id}}
                )
                event = answer.json()["data"]["event"]
            except (httpx.TransportError, KeyError, TypeError, ValueError):
                event = None
            if event is None or event["status"] == "REPORTED":
                left.append(event_id)
    return left
