"""The 12345 hotline (信访/12345): HTTP Basic, opaque cursors, orders located by community."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from connectors.petition.communities import Communities
from connectors.petition.graph import Petition
from connectors.sdk import (
    TEXT_LIST,
    TIMESTAMP,
    Connector,
    Crosswalk,
    CursorPaginator,
    DepartmentGrids,
    GridScheme,
    Mapping,
    Regions,
    Stream,
    field,
    refused,
    work_order_ref,
)
from hub.core.workorders import (
    Feedback,
    UpstreamChange,
    UpstreamRef,
    WorkOrder,
    WorkOrderRefusedError,
)

HERE = Path(__file__).parent
APPEAL_TYPE = "投诉"  # what a grid event is to the hotline: a complaint to be handled
SCORES = {"非常满意": 5, "满意": 4, "基本满意": 3, "不满意": 1}  # 回访 satisfaction, 1 to 5


class WorkOrders(Stream):
    name = "workorders"
    graph_name = "petitions"
    lookup_name = "petition"
    description = "12345 and petition work orders in this grid, newest first."
    operation = "listWorkOrders"
    item_operation = "getWorkOrder"
    item_record_path = "data"
    records_path = "data"
    paginator = CursorPaginator("next_cursor", param="cursor", size_param="limit", size=100)
    # Orders have no grid: the system files them by community name, the crosswalk's code.
    area = DepartmentGrids("community")
    department_grid = "community"
    location = ("location.lat", "location.lng")
    since_param, until_param = "startTime", "endTime"
    key_pattern = re.compile(r"GD[0-9]{14}")
    mapping = Mapping(
        Petition,
        {
            "id": "id",
            "occurred_at": field("acceptedAt", TIMESTAMP),
            "category": "category.code",
            "status": "status",
            "channel": "channel",
            "appeal_type": "appealType",
            "category_name": "category.name",
            "title": "title",
            "content": "content",
            "community": "community",
            "address": "address",
            "citizen_name": field("citizen.name", optional=True),
            "citizen_phone": field("citizen.phone", optional=True),
            "citizen_id_number": field("citizen.idNumber", optional=True),
            "lead_unit": field("leadUnit", optional=True),
            "co_units": field("coUnits", TEXT_LIST),
            "deadline": field("deadline", TIMESTAMP),
            "satisfaction": field("satisfaction", optional=True),
            "return_reason": field("returnReason", optional=True),
            "updated_at": field("updatedAt", TIMESTAMP),
            "finished_at": field("finishedAt", TIMESTAMP, optional=True),
        },
    )


class PetitionConnector(Connector):
    name = department = "petition"
    title = "12345政务服务便民热线 工单系统"
    contract_file = HERE / "contract.openapi.yaml"
    statuses_file = HERE / "statuses.yaml"
    categories_file = HERE / "categories.yaml"
    feed_entity = "ticket"
    calls_back_reporters = True  # the hotline gives the replies owed to reporters (反馈)
    feed_keys = {  # noqa: RUF012 - a declaration, read only
        "category": "category.code",
        "description": "content",
        "lat": "location.lat",
        "lon": "location.lng",
        "reporter_name": "citizen.name",
        "reporter_phone": "citizen.phone",
        "reported_at": "acceptedAt",
    }
    feed_reports = "HOTLINE"  # citizens call 12345 directly: their orders are reports
    status_schema = "Status"
    streams = (WorkOrders,)
    grid_scheme = "petition"
    simulator = "connectors.petition.simulated:SIMULATED"
    probe_operation = "listCommunities"

    def authenticate(self) -> httpx.Auth:
        return httpx.BasicAuth(self.secret("username"), self.secret("password"))

    async def load_scheme(self, crosswalk: Crosswalk, regions: Regions) -> GridScheme:
        return Communities.of(regions)  # the hotline files orders by community

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        """Idempotent on ``externalNo``, which carries the grid event's id."""
        body: dict[str, Any] = {
            "externalNo": order.event_id,
            "appealType": APPEAL_TYPE,
            "category": self.upstream_category(order.category),
            "title": order.title[:100],
            "content": order.description,
            "community": self._community(order),
            "address": order.location.address or order.title[:200],
            "location": {"lng": order.location.lon, "lat": order.location.lat},
        }
        if order.deadline is not None:
            body["deadline"] = order.deadline.isoformat()
        if order.reporter_name and order.reporter_phone:
            body["citizen"] = {"name": order.reporter_name, "phone": order.reporter_phone}
        status, answer = await self.send(
            "createWorkOrder", body, self.service_call(), idempotent=True
        )
        if status == httpx.codes.UNPROCESSABLE_ENTITY:
            raise refused(answer["errorCode"], answer["errorMessage"])
        return work_order_ref(self, answer["data"]["id"])

    async def send_feedback(self, feedback: Feedback) -> None:
        """A call-back to the reporter, idempotent on the feedback's id."""
        body = {
            "id": feedback.id,
            "externalNo": feedback.event_id,
            "phone": str(feedback.phone),
            "content": feedback.message,
        }
        await self.send("createCallBack", body, self.service_call(), idempotent=True)

    def _community(self, order: WorkOrder) -> str:
        """The hotline's name for the community of the order's unified grid."""
        grid = order.location.grid_code
        names = self.crosswalk().department_codes([grid]) if grid else []
        if not names:
            raise WorkOrderRefusedError("OUT_OF_AREA: the order's grid is in no community")
        return names[0]

    async def changes(self, cursor: str | None) -> tuple[list[UpstreamChange], str | None]:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        body = await self.read_fresh("listWorkOrderChanges", params)
        return [self._change(entry) for entry in body["data"]], body["next_cursor"]

    def _change(self, entry: dict[str, Any]) -> UpstreamChange:
        return UpstreamChange(
            system=self.name,
            upstream_id=entry["workOrderId"],
            status=entry["status"],
            occurred_at=datetime.fromisoformat(entry["changedAt"]),
            event_id=entry["externalNo"],
            note=entry["note"],
            kind="created" if entry["type"] == "CREATED" else "status",
            record=self._located(entry["workOrder"]),
        )

    def _located(self, order: dict[str, Any]) -> dict[str, Any]:
        """The order with the unified grid of its community, and the caller's rating as
        a score: what the hub reads of an order a citizen gave the hotline directly."""
        grid = self.crosswalk().main_grid(order["community"])
        rating = SCORES.get(order.get("satisfaction") or "")
        return order | {"grids": [grid] if grid else [], "rating": rating}
