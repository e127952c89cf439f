"""Reports sent to a running hub over HTTP at a steady pace, and which of them it routed:
for tests that take processes and dependencies away while reports flow."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.events import INSIDE
from tests.support.principals import bearer

REPORT = "mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"
STATUS = "query($id: ID!) { event(id: $id) { status } }"


def _body() -> dict[str, object]:
    lat, lon = INSIDE
    report = {
        "category": "city.litter",
        "description": "楼道堆物",
        "channel": "PATROL",
        "location": {"lat": lat, "lon": lon},
    }
    return {"query": REPORT, "variables": {"i": report}}


async def keep_posting(
    base: str,
    key: str,
    accepted: list[str],
    answers: list[str] | None = None,
    *,
    stop: asyncio.Event | None = None,
    count: int | None = None,
    rate: float = 20,
) -> None:
    """Reports at ``rate`` a second until ``stop`` (or ``count`` of them): keeps the ids
    the hub accepted and what each answer was (see ``_post``)."""
    sent = 0
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=bearer(key)) as http:
        while not (stop is not None and stop.is_set()) and (count is None or sent < count):
            sent += 1
            status, event = await _post(http)
            if answers is not None:
                answers.append(status)
            if event is not None:
                accepted.append(event)
            await asyncio.sleep(1 / rate)


async def _post(http: httpx.AsyncClient) -> tuple[str, str | None]:
    """What the answer was: its status, with the error code of a 5xx ("503
    SERVICE_UNAVAILABLE" is the typed, temporary one), or "no connection"; and the
    event's id if the report was accepted."""
    try:
        answer = await http.post("/graphql", json=_body())
    except httpx.TransportError:
        return "no connection", None  # the server is away: not accepted, not an answer
    try:
        body = answer.json()
    except ValueError:
        return f"{answer.status_code} not JSON", None
    if answer.status_code >= 500:
        return f"{answer.status_code} {_code(body)}", None
    event = (body.get("data") or {}).get("reportEvent")
    return str(answer.status_code), (str(event["id"]) if event else None)


def _code(body: object) -> str:
    try:
        return str(body["errors"][0]["extensions"]["code"])  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return "untyped"


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
