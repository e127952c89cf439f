"""Reading the audit log back: for ``Query.auditLog`` and ``hub audit export``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import Select, select

from hub.db.engine import Database
from hub.db.security_models import AuditCheckpointRow, AuditEntryRow
from hub.security.audit.chain import Entry

PAGE = 1000
ENTRY_FIELDS = tuple(field.name for field in fields(Entry))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    principal: str | None = None
    action: str | None = None
    field: str | None = None
    record: str | None = None  # a record key, matched anywhere in the entry's record list

    def statement(self) -> Select[AuditEntryRow]:
        statement = select(AuditEntryRow)
        if self.since is not None:
            statement = statement.where(AuditEntryRow.at >= self.since)
        if self.until is not None:
            statement = statement.where(AuditEntryRow.at < self.until)
        for column, value in (
            (AuditEntryRow.principal, self.principal),
            (AuditEntryRow.action, self.action),
            (AuditEntryRow.field, self.field),
        ):
            if value is not None:
                statement = statement.where(column == value)
        if self.record is not None:
            statement = statement.where(AuditEntryRow.record.contains(self.record, autoescape=True))
        return statement


async def page(
    database: Database, where: AuditFilter, after_seq: int, limit: int
) -> list[AuditEntryRow]:
    statement = where.statement().where(AuditEntryRow.seq > after_seq)
    async with database.session() as session:
        rows = await session.scalars(statement.order_by(AuditEntryRow.seq).limit(limit))
        return list(rows)


async def stream(database: Database, where: AuditFilter) -> AsyncIterator[AuditEntryRow]:
    after = 0
    while rows := await page(database, where, after, PAGE):
        for row in rows:
            yield row
        after = rows[-1].seq


async def export(database: Database, where: AuditFilter, out: TextIO) -> tuple[int, int]:
    """JSON lines: the entries in range, then the checkpoints that sign them.

    Every line carries its hashes and its signature, so an auditor can recompute the
    chain over the exported range and tie each entry to the hub's signing key.
    """
    count, first, last = 0, None, None
    async for row in stream(database, where):
        out.write(json.dumps(_entry_line(row), ensure_ascii=False) + "\n")
        count += 1
        first = first if first is not None else row.seq
        last = row.seq
    if first is None or last is None:
        return 0, 0
    async with database.session() as session:
        checkpoints = list(
            await session.scalars(
                select(AuditCheckpointRow)
                .where(AuditCheckpointRow.seq >= first, AuditCheckpointRow.seq <= last)
                .order_by(AuditCheckpointRow.seq)
            )
        )
    for checkpoint in checkpoints:
        out.write(json.dumps(_checkpoint_line(checkpoint)) + "\n")
    return count, len(checkpoints)


def entry_of(row: AuditEntryRow) -> Entry:
    """What a stored row says happened, as the chain hashed it."""
    return Entry(**{name: getattr(row, name) for name in ENTRY_FIELDS})


def _entry_line(row: AuditEntryRow) -> dict[str, Any]:
    return {
        "type": "entry",
        "seq": row.seq,
        "at": row.at.isoformat(),
        "action": row.action,
        "principal": row.principal,
        "operation": row.operation,
        "field": row.field,
        "record": row.record,
        "client": row.client,
        "purpose": row.purpose,
        "prevHash": row.prev_hash,
        "hash": row.hash,
        "signature": row.signature,
    }


def _checkpoint_line(row: AuditCheckpointRow) -> dict[str, Any]:
    return {
        "type": "checkpoint",
        "seq": row.seq,
        "hash": row.hash,
        "keyId": row.key_id,
        "signature": row.signature,
        "at": row.at.isoformat(),
    }
