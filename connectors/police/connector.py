"""The police system (公安 警务综合平台): API key, ``page``/``size`` lists, a change log."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from connectors.police.graph import Incident
from connectors.sdk import (
    TIMESTAMP,
    ApiKeyAuth,
    Connector,
    DepartmentGrids,
    Mapping,
    PageNumberPaginator,
    Stream,
    field,
    refused,
    work_order_ref,
)
from hub.core.workorders import UpstreamChange, UpstreamRef, WorkOrder

HERE = Path(__file__).parent


class Incidents(Stream):
    name = graph_name = "incidents"
    lookup_name = "incident"
    description = "110 incidents (警情) in this grid, newest first."
    operation = "listIncidents"
    item_operation = "getIncident"
    item_record_path = "data"
    records_path = "data.records"
    paginator = PageNumberPaginator(size=100)
    area = DepartmentGrids("grid")
    department_grid = "gridCode"
    location = ("location.latitude", "location.longitude")
    since_param, until_param = "from", "to"
    key_pattern = re.compile(r"JQ[0-9]{14}")
    mapping = Mapping(
        Incident,
        {
            "id": "id",
            "occurred_at": field("reportedAt", TIMESTAMP),
            "category": "category",
            "status": "status",
            "category_name": "categoryName",
            "summary": "summary",
            "description": "description",
            "happened_at": field("occurredAt", TIMESTAMP, optional=True),
            "address": "location.address",
            "station": "station",
            "status_name": "statusName",
            "caller_name": field("caller.name", optional=True),
            "caller_phone": field("caller.phone", optional=True),
            "assigned_unit": field("assignedUnit", optional=True),
            "source": "source",
            "result": field("result", optional=True),
            "updated_at": field("updatedAt", TIMESTAMP),
            "closed_at": field("closedAt", TIMESTAMP, optional=True),
        },
    )


class PoliceConnector(Connector):
    name = department = "police"
    title = "公安 警务综合平台"
    contract_file = HERE / "contract.openapi.yaml"
    statuses_file = HERE / "statuses.yaml"
    categories_file = HERE / "categories.yaml"
    feed_entity = "incident"
    routing_file = HERE / "routing.yaml"  # rules on its feed types
    feed_keys = {  # noqa: RUF012 - a declaration, read only
        "lat": "location.latitude",
        "lon": "location.longitude",
        "address": "location.address",
        "title": "summary",
    }
    status_schema = "IncidentStatus"
    streams = (Incidents,)
    grid_scheme = "police"
    simulator = "connectors.police.simulated:SIMULATED"
    probe_operation = "listIncidentCategories"

    def authenticate(self) -> httpx.Auth:
        return ApiKeyAuth(self.secret("api_key"))

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        """联动转警: the incident is created once per grid event (``Idempotency-Key``)."""
        body: dict[str, Any] = {
            "category": self.upstream_category(order.category),
            "summary": order.title[:100],
            "description": order.description,
            "location": {
                "latitude": order.location.lat,
                "longitude": order.location.lon,
                "address": order.location.address or order.title[:200],
            },
        }
        if order.reporter_name and order.reporter_phone:
            body["caller"] = {"name": order.reporter_name, "phone": order.reporter_phone}
        status, answer = await self.send(
            "createIncident",
            body,
            self.service_call(),
            headers={"Idempotency-Key": order.event_id},
            idempotent=True,
        )
        if status == httpx.codes.UNPROCESSABLE_ENTITY:
            raise refused(answer["reason"], answer["message"])
        return work_order_ref(self, answer["data"]["id"])

    async def changes(self, cursor: str | None) -> tuple[list[UpstreamChange], str | None]:
        params = {"size": "100", **({"since": cursor} if cursor else {})}
        body = await self.read_fresh("listIncidentChanges", params)
        page = body["data"]
        return [self._change(entry) for entry in page["changes"]], page["nextCursor"]

    def _change(self, entry: dict[str, Any]) -> UpstreamChange:
        return UpstreamChange(
            system=self.name,
            upstream_id=entry["incidentId"],
            status=entry["status"],
            occurred_at=datetime.fromisoformat(entry["changedAt"]),
            event_id=entry["externalRef"],
            note=entry["note"],
            kind="created" if entry["type"] == "CREATED" else "status",
            record=entry["incident"],
        )
