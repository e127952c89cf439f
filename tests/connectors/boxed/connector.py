"""A system with no grids of its own: sites asked for by bounding box (a bare array,
counted in a header), alarms by kind (paged by offset, counted in a header)."""

from __future__ import annotations

from pathlib import Path

import httpx
import strawberry

from connectors.sdk import (
    TIMESTAMP,
    ApiKeyAuth,
    BoundingBox,
    Connector,
    Mapping,
    NoArea,
    OffsetPaginator,
    PageNumberPaginator,
    Stream,
    field,
)
from connectors.sdk.graph import DepartmentRecord

HERE = Path(__file__).parent


@strawberry.type(description="A site or alarm of the test system.")
class Site(DepartmentRecord):
    title: str


MAPPING = Mapping(
    Site,
    {
        "id": "id",
        "occurred_at": field("reportedAt", TIMESTAMP),
        "category": "kind",
        "status": "status",
        "title": "title",
    },
)


class Alarms(Stream):
    name = "alarms"
    graph_name = "boxed_alarms"
    operation = "listAlarms"
    records_path = "alarms"
    paginator = OffsetPaginator(limit=20, total_header="X-Total-Count")
    area = NoArea()  # the system takes no area, but needs a kind on every call
    params = {"kind": "all"}  # noqa: RUF012
    location = ("lat", "lon")
    since_param = "since"
    mapping = MAPPING


class Sites(Stream):
    name = "sites"
    graph_name = "boxed_sites"
    operation = "listSites"
    records_path = ""  # the answer is a bare array
    paginator = PageNumberPaginator(size=20, total_header="X-Total-Count")
    area = BoundingBox("bbox")
    location = ("lat", "lon")
    since_param = "since"
    mapping = MAPPING


class BoxedConnector(Connector):
    name = department = "boxed"
    title = "A system asked by area"
    contract_file = HERE / "contract.openapi.yaml"
    statuses_file = HERE / "statuses.yaml"
    status_schema = "SiteStatus"
    streams = (Sites, Alarms)  # the first answers nothing without a bounding box

    def authenticate(self) -> httpx.Auth:
        return ApiKeyAuth(self.secret("api_key"), header="X-Api-Key")
