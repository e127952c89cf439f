"""``Query.auditLog``: the audit trail, for auditors only."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.db.security_models import AuditEntryRow
from hub.security.audit import ENTRY_FIELDS, Action, AuditFilter, page
from schema.context import Info
from schema.pagination import check_page_size
from schema.security import current_operation, list_size


@strawberry.type(description="One entry of the hash-chained audit trail.")
class AuditEntry:
    seq: int = strawberry.field(description="Position in the chain, from 1.")
    at: datetime
    action: str = strawberry.field(
        description="pii.read, mutation, mutation.refused, audit.read or admin."
    )
    principal: str
    operation: str
    field: str = strawberry.field(description="Schema coordinate, e.g. GridWorker.phone.")
    record: str = strawberry.field(description="The records read or changed, space-separated.")
    client: str = strawberry.field(description="The client's network address.")
    purpose: str = strawberry.field(description="The X-Purpose the client gave.")
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, row: AuditEntryRow) -> AuditEntry:
        columns = ("seq", *ENTRY_FIELDS, "prev_hash", "hash")
        return cls(**{name: getattr(row, name) for name in columns})


@strawberry.input(description="Every given condition must hold.")
class AuditLogFilter:
    since: datetime | None = None
    until: datetime | None = strawberry.field(default=None, description="Exclusive.")
    principal: str | None = None
    action: str | None = None
    field: str | None = None
    record: str | None = strawberry.field(default=None, description="A record key it names.")


@strawberry.type
class AuditQuery:
    @strawberry.federation.field(
        name="auditLog",
        description="Audit entries in chain order, after the seq given.",
        requires_scopes=[["audit:read"]],
        directives=[list_size(slicing=["first"])],
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int = 50,
        after: int = 0,
    ) -> list[AuditEntry]:
        check_page_size(first, info.context.services.settings.graphql.max_page_size)
        given = filter or AuditLogFilter()
        where = AuditFilter(
            since=given.since,
            until=given.until,
            principal=given.principal,
            action=given.action,
            field=given.field,
            record=given.record,
        )
        if (operation := current_operation()) is not None:
            operation.changed(Action.AUDIT_READ, "Query.auditLog", f"after {after}")
        rows = await page(info.context.services.database, where, after, first)
        return [AuditEntry.of(row) for row in rows]
