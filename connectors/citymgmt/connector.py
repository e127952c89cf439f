"""数字城管: OAuth2 client credentials, ``offset``/``limit`` lists, a version-based feed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from connectors.citymgmt.graph import CityCase
from connectors.sdk import (
    BEIJING,
    Connector,
    DepartmentGrids,
    Mapping,
    OAuth2ClientCredentials,
    OffsetPaginator,
    Stream,
    field,
    local_time,
    refused,
    work_order_ref,
)
from hub.core.workorders import UpstreamChange, UpstreamRef, WorkOrder

HERE = Path(__file__).parent
LOCAL_TIME = local_time(BEIJING)  # the system writes Beijing time without a zone


class Cases(Stream):
    name = "cases"
    graph_name = "city_cases"
    lookup_name = "city_case"
    description = "数字城管 cases in this grid, newest first."
    operation = "listCases"
    item_operation = "getCase"
    records_path = "results"
    paginator = OffsetPaginator(limit=200, total_path="count")
    area = DepartmentGrids("grid_code")
    department_grid = "grid_code"
    location = ("latitude", "longitude")
    since_param, until_param = "created_after", "created_before"
    key_pattern = re.compile(r"CG[0-9]{14}")
    mapping = Mapping(
        CityCase,
        {
            "id": "id",
            "occurred_at": field("reported_at", LOCAL_TIME),
            "category": "category_code",
            "status": "status",
            "kind": "kind",
            "category_name": "category_name",
            "main_category_name": "main_category_name",
            "description": "description",
            "address": "address",
            "source": "source",
            "deadline": field("deadline", LOCAL_TIME, optional=True),
            "overdue": "overdue",
            "handling_unit": "handling_unit",
            "reporter_name": field("reporter.name", optional=True),
            "reporter_phone": field("reporter.phone", optional=True),
            "closed_at": field("closed_at", LOCAL_TIME, optional=True),
        },
    )


class CityManagementConnector(Connector):
    name = department = "citymgmt"
    title = "数字城管系统"
    contract_file = HERE / "contract.openapi.yaml"
    statuses_file = HERE / "statuses.yaml"
    categories_file = HERE / "categories.yaml"
    feed_entity = "case"
    routing_file = HERE / "routing.yaml"  # rules on its feed types
    feed_keys = {  # noqa: RUF012 - a declaration, read only
        "lat": "latitude",
        "lon": "longitude",
        "category": "category_code",
        "title": "category_name",
    }
    status_schema = "CaseStatus"
    streams = (Cases,)
    grid_scheme = "citymgmt"
    simulator = "connectors.citymgmt.simulated:SIMULATED"
    probe_operation = "listCategories"

    def authenticate(self) -> httpx.Auth:
        return OAuth2ClientCredentials(
            self.url("/oauth/token"),
            self.secret("client_id"),
            self.secret("client_secret"),
            clock=self.clock,
        )

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        body: dict[str, Any] = {
            "category_code": self.upstream_category(order.category),
            "description": order.description,
            "address": order.location.address or order.title,
            "longitude": order.location.lon,
            "latitude": order.location.lat,
        }
        if order.reporter_name and order.reporter_phone:
            body["reporter"] = {"name": order.reporter_name, "phone": order.reporter_phone}
        if order.photos:
            body["photos"] = list(order.photos[:9])
        status, answer = await self.send(
            "createCase",
            body,
            self.service_call(),
            headers={"Idempotency-Key": order.event_id},
            idempotent=True,
        )
        if status == httpx.codes.UNPROCESSABLE_ENTITY:
            raise refused(answer["error"], answer["error_description"])
        return work_order_ref(self, answer["id"])

    async def changes(self, cursor: str | None) -> tuple[list[UpstreamChange], str | None]:
        """Cases changed after version ``cursor``, oldest change first; the cursor is the
        last version seen."""
        params = {"since_version": cursor or "0", "order": "version_asc", "limit": "200"}
        body = await self.read_fresh("listCases", params)
        cases = body["results"]
        changes = [self._change(case) for case in cases]
        return changes, str(cases[-1]["version"]) if cases else cursor

    def _change(self, case: dict[str, Any]) -> UpstreamChange:
        last = case["flow"][-1]
        return UpstreamChange(
            system=self.name,
            upstream_id=case["id"],
            status=case["status"],
            occurred_at=LOCAL_TIME.read(last["at"]),
            event_id=case["external_ref"],
            note=last["remark"],
            kind="created" if len(case["flow"]) == 1 else "status",
            record=case,
        )
