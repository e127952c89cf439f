"""Checking the audit chain end to end: ``hub audit verify``.

Walks the entries in sequence order and recomputes every hash, then checks the head
row and every checkpoint's signature. The first problem found is named by its seq:
an edited entry fails its own hash, a deleted one leaves a gap, a reordered pair fails
the first hash out of place, and a truncated tail no longer reaches the head or the
last checkpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import select

from hub.db.engine import Database
from hub.db.security_models import AuditCheckpointRow, AuditEntryRow, AuditHeadRow
from hub.security.audit.chain import GENESIS, Verifier, entry_hash
from hub.security.audit.read import entry_of

PAGE = 5000


@dataclass(frozen=True, slots=True)
class Finding:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Report:
    entries: int
    checkpoints: int
    first_bad: Finding | None

    @property
    def ok(self) -> bool:
        return self.first_bad is None


async def verify(database: Database, verifier: Verifier) -> Report:
    checkpoints = await _checkpoints(database)
    last_seq, last_hash = 0, GENESIS
    chain_problem: Finding | None = None
    async for row in _entries(database):
        chain_problem = _check_entry(row, last_seq, last_hash, checkpoints)
        if chain_problem is not None:
            break
        last_seq, last_hash = row.seq, row.hash
    else:
        chain_problem = await _check_tail(database, last_seq, last_hash, checkpoints)
    found = [f for f in (chain_problem, _bad_signature(checkpoints, verifier)) if f]
    return Report(last_seq, len(checkpoints), min(found, key=lambda f: f.seq, default=None))


def _check_entry(
    row: AuditEntryRow, last_seq: int, last_hash: str, checkpoints: dict[int, AuditCheckpointRow]
) -> Finding | None:
    if row.seq != last_seq + 1:
        return Finding(last_seq + 1, f"missing (the next stored entry is {row.seq})")
    if row.prev_hash != last_hash:
        return Finding(row.seq, "does not follow the entry before it")
    if entry_hash(row.seq, entry_of(row), row.prev_hash) != row.hash:
        return Finding(row.seq, "altered: its hash does not match its content")
    signed = checkpoints.get(row.seq)
    if signed is not None and signed.hash != row.hash:
        return Finding(row.seq, "differs from what its signed checkpoint holds")
    return None


async def _check_tail(
    database: Database, last_seq: int, last_hash: str, checkpoints: dict[int, AuditCheckpointRow]
) -> Finding | None:
    async with database.session() as session:
        head = await session.get(AuditHeadRow, 1)
    beyond = [seq for seq in checkpoints if seq > last_seq]
    if beyond:
        return Finding(last_seq + 1, f"missing: truncated before checkpoint {max(beyond)}")
    if head is None:
        return Finding(last_seq + 1, "missing: the chain's head row is gone")
    if head.seq > last_seq:
        return Finding(last_seq + 1, f"missing: truncated (the head is at {head.seq})")
    if (head.seq, head.hash) != (last_seq, last_hash):
        return Finding(head.seq, "the head row does not match the last entry")
    return None


def _bad_signature(
    checkpoints: dict[int, AuditCheckpointRow], verifier: Verifier
) -> Finding | None:
    for seq, row in sorted(checkpoints.items()):
        if row.key_id != verifier.key_id or not verifier.verify(seq, row.hash, row.signature):
            return Finding(seq, "its checkpoint's signature is not valid")
    return None


async def _checkpoints(database: Database) -> dict[int, AuditCheckpointRow]:
    async with database.session() as session:
        return {row.seq: row for row in await session.scalars(select(AuditCheckpointRow))}


async def _entries(database: Database) -> AsyncIterator[AuditEntryRow]:
    after = 0
    while True:
        async with database.session() as session:
            page = list(
                await session.scalars(
                    select(AuditEntryRow)
                    .where(AuditEntryRow.seq > after)
                    .order_by(AuditEntryRow.seq)
                    .limit(PAGE)
                )
            )
        for row in page:
            yield row
        if len(page) < PAGE:
            return
        after = page[-1].seq
