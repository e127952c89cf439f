"""What the 12345 hotline and petitions system adds to the graph: its work orders (工单)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from connectors.sdk.graph import DepartmentRecord, PersonalDataKind, personal


@strawberry.type(description="12345/信访工单: a citizen's appeal and how it was handled.")
class Petition(DepartmentRecord):
    channel: str = strawberry.field(description="PHONE, WEB, WECHAT, VISIT, LETTER or HUB.")
    appeal_type: str = strawberry.field(description="诉求类型: 投诉, 求助, 咨询, …")
    category_name: str
    title: str
    content: str = strawberry.field(description="诉求内容.")
    community: str = strawberry.field(description="The community the system files it under.")
    address: str = personal(
        PersonalDataKind.ADDRESS, "The citizen's address, down to the room.", department="petition"
    )
    citizen_name: str | None = personal(
        PersonalDataKind.NAME, "诉求人; null for an anonymous order.", department="petition"
    )
    citizen_phone: str | None = personal(
        PersonalDataKind.PHONE, "The citizen's number.", department="petition"
    )
    citizen_id_number: str | None = personal(
        PersonalDataKind.ID_NUMBER, "居民身份证号, when given.", department="petition"
    )
    lead_unit: str | None = strawberry.field(description="主办单位, once dispatched.")
    co_units: list[str] = strawberry.field(description="协办单位.")
    deadline: datetime
    satisfaction: str | None = strawberry.field(description="The citizen's rating, once rated.")
    return_reason: str | None = strawberry.field(description="退单原因, for a returned order.")
    updated_at: datetime
    finished_at: datetime | None = strawberry.field(description="办结时间.")
