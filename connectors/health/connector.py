"""卫健 community health (FHIR R4 shapes): HMAC-signed requests, Bundle next links."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from connectors.health.graph import HealthAlert, HealthFollowUp
from connectors.sdk import (
    TIMESTAMP,
    Connector,
    DepartmentGrids,
    HmacSignatureAuth,
    Mapping,
    NextLinkPaginator,
    Stream,
    field,
    refused,
    work_order_ref,
)
from hub.core.workorders import UpstreamChange, UpstreamRef, WorkOrder

HERE = Path(__file__).parent
AREA = "extension[url=urn:yunxi:health:service-area].valueString"
GEO_URL = "http://hl7.org/fhir/StructureDefinition/geolocation"
GEO = f"extension[url={GEO_URL}].extension"
FOLLOW_UP_SYSTEM = "urn:yunxi:health:followup-type"
EVENT_SYSTEM = "urn:grid-hub:event"  # how the hub names its events in a Task's identifier


def fhir_dates(param: str, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """A time window in FHIR's prefixed dates: ``date=ge…&date=lt…``."""
    bounds = [
        f"{prefix}{moment.isoformat()}"
        for prefix, moment in (("ge", since), ("lt", until))
        if moment is not None
    ]
    return {param: bounds} if bounds else {}


class FhirSearch(Stream):
    """What every search of this system shares: Bundles, next links, areas and points."""

    records_path = "entry.*.resource"
    paginator = NextLinkPaginator("link[relation=next].url", size_param="_count", size=100)
    area = DepartmentGrids("service-area")
    department_grid = AREA
    location = (f"{GEO}[url=latitude].valueDecimal", f"{GEO}[url=longitude].valueDecimal")


class FollowUps(FhirSearch):
    name = "followups"
    graph_name = "health_follow_ups"
    lookup_name = "health_follow_up"
    description = "Follow-up visits to vulnerable residents of this grid, newest first."
    operation = "searchTasks"
    item_operation = "readTask"
    key_pattern = re.compile(r"fu-[0-9]{6}")
    mapping = Mapping(
        HealthFollowUp,
        {
            "id": "id",
            "occurred_at": field("authoredOn", TIMESTAMP),
            "category": "code.coding.0.code",
            "status": "status",
            "type_name": "code.text",
            "description": "description",
            "priority": "priority",
            "resident_name": field("for.display", optional=True),
            "resident_phone": field("contained.0.telecom.0.value", optional=True),
            "resident_id_number": field("contained.0.identifier.0.value", optional=True),
            "resident_address": field("contained.0.address.0.text", optional=True),
            "condition": field("reasonCode.text", optional=True),
            "due_at": field("restriction.period.end", TIMESTAMP),
            "owner": "owner.display",
            "clinic": "location.display",
            "last_modified": field("lastModified", TIMESTAMP),
        },
    )

    @classmethod
    def window(cls, since: datetime | None, until: datetime | None) -> dict[str, Any]:
        return fhir_dates("authored-on", since, until)


class Alerts(FhirSearch):
    name = "alerts"
    graph_name = "health_alerts"
    lookup_name = "health_alert"
    description = "Area alerts (fever clusters, …) in this grid, newest first."
    operation = "searchFlags"
    item_operation = "readFlag"
    has_lifecycle = False
    key_pattern = re.compile(r"alert-[0-9]{4}")
    mapping = Mapping(
        HealthAlert,
        {
            "id": "id",
            "occurred_at": field("period.start", TIMESTAMP),
            "category": "code.coding.0.code",
            "status": "status",
            "alert_name": "code.text",
            "clinic": "subject.display",
            "case_count": "extension[url=urn:yunxi:health:case-count].valueInteger",
            "ended_at": field("period.end", TIMESTAMP, optional=True),
            "author": "author.display",
        },
    )

    @classmethod
    def window(cls, since: datetime | None, until: datetime | None) -> dict[str, Any]:
        return fhir_dates("date", since, until)


class HealthConnector(Connector):
    name = department = "health"
    title = "社区卫生服务信息平台"
    contract_file = HERE / "contract.openapi.yaml"
    statuses_file = HERE / "statuses.yaml"
    categories_file = HERE / "categories.yaml"
    feed_entity = "alert"
    routing_file = HERE / "routing.yaml"  # rules on its feed types
    feed_keys = {"category": "code.coding.0.code", "description": "description"}  # noqa: RUF012
    feed_created_verb = "raised"
    status_schema = "TaskStatus"
    streams = (FollowUps, Alerts)
    grid_scheme = "health"
    simulator = "connectors.health.simulated:SIMULATED"
    probe_operation = "searchLocations"

    def authenticate(self) -> httpx.Auth:
        return HmacSignatureAuth(
            self.secret("key_id"), self.secret("secret"), clock=self.wall_clock
        )

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        """A FHIR conditional create: one Task per grid event, named in its identifier."""
        point = [
            {"url": "latitude", "valueDecimal": order.location.lat},
            {"url": "longitude", "valueDecimal": order.location.lon},
        ]
        body: dict[str, Any] = {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "code": {
                "coding": [
                    {"system": FOLLOW_UP_SYSTEM, "code": self.upstream_category(order.category)}
                ]
            },
            "description": order.description,
            "identifier": [{"system": EVENT_SYSTEM, "value": order.event_id}],
            "extension": [{"url": GEO_URL, "extension": point}],
        }
        if order.deadline is not None:
            body["restriction"] = {"period": {"end": order.deadline.isoformat()}}
        condition = f"identifier={EVENT_SYSTEM}|{order.event_id}"
        status, answer = await self.send(
            "createTask",
            body,
            self.service_call(),
            headers={"If-None-Exist": condition},
            idempotent=True,
        )
        if status == httpx.codes.UNPROCESSABLE_ENTITY:
            issue = answer["issue"][0]
            reason = issue.get("details", {}).get("coding", [{}])[0].get("code", issue["code"])
            raise refused(reason, issue["diagnostics"])
        return work_order_ref(self, answer["id"])

    async def changes(self, cursor: str | None) -> tuple[list[UpstreamChange], str | None]:
        """Tasks changed after the instant ``cursor``, as they are now; the cursor is the
        last ``meta.lastUpdated`` seen."""
        params: dict[str, Any] = {"_sort": "_lastUpdated", "_count": "100"}
        if cursor:
            params["_lastUpdated"] = f"gt{cursor}"
        body = await self.read_fresh("searchTasks", params)
        tasks = [entry["resource"] for entry in body["entry"]]
        changes = [self._change(task) for task in tasks]
        return changes, tasks[-1]["meta"]["lastUpdated"] if tasks else cursor

    def _change(self, task: dict[str, Any]) -> UpstreamChange:
        hub_ids = [i["value"] for i in task["identifier"] if i["system"] == EVENT_SYSTEM]
        return UpstreamChange(
            system=self.name,
            upstream_id=task["id"],
            status=task["status"],
            occurred_at=datetime.fromisoformat(task["meta"]["lastUpdated"]),
            event_id=hub_ids[0] if hub_ids else None,
            kind="created" if task["meta"]["versionId"] == "1" else "status",
            record=task,
        )
