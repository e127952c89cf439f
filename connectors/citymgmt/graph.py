"""What the digital city-management system adds to the graph: its cases (案卷)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from connectors.sdk.graph import DepartmentRecord, PersonalDataKind, personal


@strawberry.type(description="数字城管案卷: a case of the parts-and-events model.")
class CityCase(DepartmentRecord):
    kind: str = strawberry.field(description="部件 (a city part) or 事件 (an event).")
    category_name: str
    main_category_name: str = strawberry.field(description="e.g. 市容环境, 街面秩序.")
    description: str
    address: str
    source: str = strawberry.field(description="监督员上报, 公众举报, 12345转办, …")
    deadline: datetime | None = strawberry.field(description="处置时限, from dispatch on.")
    overdue: bool
    handling_unit: str = strawberry.field(description="责任单位.")
    reporter_name: str | None = personal(
        PersonalDataKind.NAME, "举报人, for public reports.", department="citymgmt"
    )
    reporter_phone: str | None = personal(
        PersonalDataKind.PHONE, "The reporter's number.", department="citymgmt"
    )
    closed_at: datetime | None
