"""The people of the grid: workers and party branches. Their names and phones are personal."""

from __future__ import annotations

import strawberry

from connectors.sdk.graph import PersonalDataKind, personal
from hub.core.codes import WorkerRole
from hub.registry import model

strawberry.enum(WorkerRole, description="网格长, 专职/兼职网格员, 微网格长.")


@strawberry.type(description="网格员: a person who staffs a grid.")
class GridWorker:
    role: WorkerRole
    name: str = personal(PersonalDataKind.NAME, "Full name.")
    phone: str = personal(PersonalDataKind.PHONE, "Mobile number.")
    grid_code: str
    micro_grid_code: str | None = strawberry.field(
        description="For a micro-grid lead, the micro-grid they look after."
    )

    @classmethod
    def of(cls, worker: model.GridWorker) -> GridWorker:
        return cls(
            role=worker.role,
            name=worker.name,
            phone=worker.phone,
            grid_code=worker.grid_code,
            micro_grid_code=worker.micro_grid_code,
        )


@strawberry.type(description="A contact person.")
class Contact:
    name: str = personal(PersonalDataKind.NAME, "Full name.")
    phone: str = personal(PersonalDataKind.PHONE, "Mobile number.")
    record_key: strawberry.Private[str]  # how the audit trail names whose contact this is


@strawberry.type(description="网格党支部: a grid party branch; one may serve several grids.")
class PartyBranch:
    code: str
    name: str
    community_code: str
    secretary: Contact = strawberry.field(description="支部书记.")
    member_count: int = strawberry.field(description="Party members in the branch.")
    grid_codes: list[str] = strawberry.field(description="The grids it serves.")

    @classmethod
    def of(cls, branch: model.PartyBranch) -> PartyBranch:
        return cls(
            code=branch.code,
            name=branch.name,
            community_code=branch.community_code,
            secretary=Contact(
                name=branch.secretary_name,
                phone=branch.secretary_phone,
                record_key=f"PartyBranch:{branch.code}",
            ),
            member_count=branch.member_count,
            grid_codes=list(branch.grid_codes),
        )
