"""What the police system adds to the graph: 110 incidents (警情)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from connectors.sdk.graph import DepartmentRecord, PersonalDataKind, personal


@strawberry.type(description="警情: a 110 incident, as the police system records it.")
class Incident(DepartmentRecord):
    category_name: str
    summary: str = strawberry.field(description="简要警情.")
    description: str
    happened_at: datetime | None = strawberry.field(description="When it happened, if known.")
    address: str = personal(PersonalDataKind.ADDRESS, "Where it happened.", department="police")
    station: str = strawberry.field(description="辖区派出所.")
    status_name: str
    caller_name: str | None = personal(
        PersonalDataKind.NAME, "报警人; null when the caller gave none.", department="police"
    )
    caller_phone: str | None = personal(
        PersonalDataKind.PHONE, "The caller's number.", department="police"
    )
    assigned_unit: str | None = strawberry.field(description="The patrol unit sent.")
    source: str = strawberry.field(description="CALL_110, WALK_IN or HUB.")
    result: str | None = strawberry.field(description="处置结果, once handled.")
    updated_at: datetime
    closed_at: datetime | None
