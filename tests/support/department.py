"""A small department system over real HTTP, and the client side the bus talks to.

Not a simulator: just enough of a city-management case system for the bus's HTTP
hop to be real. ``POST /cases`` is idempotent on the ``Idempotency-Key`` header;
``GET /changes?cursor=N`` lists status changes after N; ``POST /cases/{id}/status``
is how a test moves a case along upstream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.core.workorders import UpstreamChange, UpstreamRef, WorkOrder, WorkOrderRefusedError

SYSTEM = "citymgmt-test"


@dataclass
class CaseSystem:
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # categories it says are not its business

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/cases", self.create, methods=["POST"]),
                Route("/cases/{case_id}/status", self.move, methods=["POST"]),
                Route("/changes", self.list_changes, methods=["GET"]),
            ]
        )

    async def create(self, request: Request) -> JSONResponse:
        key = request.headers.get("idempotency-key")
        body = await request.json()
        if not key:
            return JSONResponse({"error": "Idempotency-Key required"}, 400)
        if body["category"] in self.refuse:
            return JSONResponse({"error": "不属于城管职责"}, 422)
        if key not in self.by_key:
            case_id = f"CG{len(self.cases) + 1:06d}"
            self.by_key[key] = case_id
            self.cases[case_id] = {"id": case_id, "eventId": key, "status": "已立案", **body}
        return JSONResponse({"id": self.by_key[key]}, 201)

    async def move(self, request: Request) -> JSONResponse:
        case = self.cases[request.path_params["case_id"]]
        case["status"] = (await request.json())["status"]
        self.changes.append(
            {
                "id": case["id"],
                "eventId": case["eventId"],
                "status": case["status"],
                "at": datetime.now(UTC).isoformat(),
            }
        )
        return JSONResponse(case)

    async def list_changes(self, request: Request) -> JSONResponse:
        cursor = int(request.query_params.get("cursor") or 0)
        return JSONResponse({"changes": self.changes[cursor:], "cursor": len(self.changes)})


class CaseSystemClient:
    """The bus's side: a WorkOrderSink and a ChangeFeed over HTTP, as a connector does it."""

    department = "citymgmt"
    name = "citymgmt-test-cases"

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=5)

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        response = await self.http.post(
            "/cases",
            headers={"Idempotency-Key": order.event_id},
            json={
                "category": order.category,
                "title": order.title,
                "grid": order.location.grid_code,
            },
        )
        if response.status_code == 422:
            raise WorkOrderRefusedError(response.json()["error"])
        response.raise_for_status()
        return UpstreamRef(system=SYSTEM, id=response.json()["id"])

    async def changes(self, cursor: str | None) -> tuple[list[UpstreamChange], str | None]:
        response = await self.http.get("/changes", params={"cursor": cursor or "0"})
        response.raise_for_status()
        body = response.json()
        found = [
            UpstreamChange(
                system=SYSTEM,
                upstream_id=c["id"],
                status=c["status"],
                occurred_at=datetime.fromisoformat(c["at"]),
                event_id=c["eventId"],
            )
            for c in body["changes"]
        ]
        return found, str(body["cursor"])

    async def aclose(self) -> None:
        await self.http.aclose()
