"""What the community-health platform adds to the graph: follow-up visits and area alerts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from connectors.sdk.graph import DepartmentRecord, PersonalDataKind, personal


@strawberry.type(description="随访: a follow-up visit to a vulnerable resident (a FHIR Task).")
class HealthFollowUp(DepartmentRecord):
    type_name: str = strawberry.field(description="独居老人随访, 慢病随访, …")
    description: str
    priority: str
    resident_name: str | None = personal(
        PersonalDataKind.NAME, "The resident visited, when known.", department="health"
    )
    resident_phone: str | None = personal(
        PersonalDataKind.PHONE, "The resident's number.", department="health"
    )
    resident_id_number: str | None = personal(
        PersonalDataKind.ID_NUMBER, "The resident's ID card number.", department="health"
    )
    resident_address: str | None = personal(
        PersonalDataKind.ADDRESS, "The resident's address.", department="health"
    )
    condition: str | None = personal(
        PersonalDataKind.HEALTH, "The condition behind the visit.", department="health"
    )
    due_at: datetime = strawberry.field(description="The visit's deadline.")
    owner: str = strawberry.field(description="The family-doctor team responsible.")
    clinic: str
    last_modified: datetime


@strawberry.type(description="An area alert, such as a fever cluster in a building (a FHIR Flag).")
class HealthAlert(DepartmentRecord):
    alert_name: str = strawberry.field(description="发热聚集, 腹泻聚集, …")
    clinic: str = strawberry.field(description="The clinic whose service area it is in.")
    case_count: int
    ended_at: datetime | None
    author: str
