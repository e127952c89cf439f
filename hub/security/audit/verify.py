"""Checking the audit chain end to end: ``hub audit verify``.

Walks the entries in sequence order, recomputes every hash and checks every entry's
signature, then checks the head row, every checkpoint's signature and, if given, the
anchor kept outside the database. The first problem found is named by its seq:
- an edited entry fails its own hash;
- an edit re-hashed to the end fails its signature at the first entry it changed;
- a deleted entry leaves a gap, and a reordered pair fails the first hash out of place;
- a truncated tail no longer reaches the head, the last checkpoint or the anchor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import select

from hub.db.engine import Database
from hub.db.security_models import AuditCheckpointRow, AuditEntryRow, AuditHeadRow
from hub.security.audit.anchor import Anchor
from hub.security.audit.chain import GENESIS, Verifier, entry_hash
from hub.security.audit.read import entry_of

PAGE = 5000
CHECKPOINT = "the signed checkpoint"
ANCHOR = "the anchor kept outside the database"


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


@dataclass(frozen=True, slots=True)
class Signed:
    """A head someone signed: the entry at its seq must still have this hash."""

    hash: str
    source: str


@dataclass(slots=True)
class _Walk:
    verifier: Verifier
    signed: dict[int, Signed]
    seq: int = 0
    hash: str = GENESIS
    signing: bool = False  # entries are signed from here on (older ones predate signing)

    def check(self, row: AuditEntryRow) -> Finding | None:
        if row.seq != self.seq + 1:
            return Finding(self.seq + 1, f"missing (the next stored entry is {row.seq})")
        if row.prev_hash != self.hash:
            return Finding(row.seq, "does not follow the entry before it")
        if entry_hash(row.seq, entry_of(row), row.prev_hash) != row.hash:
            return Finding(row.seq, "altered: its hash does not match its content")
        problem = self._signature_problem(row) or self._head_problem(row)
        if problem:
            return Finding(row.seq, problem)
        self.seq, self.hash = row.seq, row.hash
        return None

    def _signature_problem(self, row: AuditEntryRow) -> str | None:
        if row.signature is None:
            return "unsigned, after signed entries" if self.signing else None
        self.signing = True
        if not self.verifier.verify(row.seq, row.hash, row.signature):
            return "differs from what was signed when it was written"
        return None

    def _head_problem(self, row: AuditEntryRow) -> str | None:
        signed = self.signed.get(row.seq)
        if signed is not None and signed.hash != row.hash:
            return f"differs from what {signed.source} holds"
        return None

    def beyond(self) -> Finding | None:
        """The furthest signed head past the last entry: the chain was cut short of it."""
        past = [(seq, s.source) for seq, s in self.signed.items() if seq > self.seq]
        if not past:
            return None
        seq, source = max(past)
        return Finding(self.seq + 1, f"missing: truncated before {source} at {seq}")


async def verify(database: Database, verifier: Verifier, anchor: Anchor | None = None) -> Report:
    checkpoints = await _checkpoints(database)
    walk = _Walk(verifier, _signed_heads(checkpoints, anchor))
    chain_problem: Finding | None = None
    async for row in _entries(database):
        chain_problem = walk.check(row)
        if chain_problem is not None:
            break
    else:
        chain_problem = walk.beyond() or await _check_head(database, walk.seq, walk.hash)
    found = [
        f
        for f in (
            chain_problem,
            _bad_signature(checkpoints, verifier),
            _bad_anchor(anchor, verifier),
        )
        if f
    ]
    return Report(walk.seq, len(checkpoints), min(found, key=lambda f: f.seq, default=None))


def _signed_heads(
    checkpoints: dict[int, AuditCheckpointRow], anchor: Anchor | None
) -> dict[int, Signed]:
    signed = {seq: Signed(row.hash, CHECKPOINT) for seq, row in checkpoints.items()}
    if anchor is not None:
        signed[anchor.seq] = Signed(anchor.hash, ANCHOR)
    return signed


async def _check_head(database: Database, last_seq: int, last_hash: str) -> Finding | None:
    async with database.session() as session:
        head = await session.get(AuditHeadRow, 1)
    if head is None:
        return Finding(last_seq + 1, "missing: the chain's head row is gone")
    if head.seq > last_seq:
        return Finding(last_seq + 1, f"missing: truncated (the head is at {head.seq})")
    if (head.seq, head.hash) != (last_seq, last_hash):
        return Finding(head.seq, "the head row does not match the last entry")
    return None


def _bad_anchor(anchor: Anchor | None, verifier: Verifier) -> Finding | None:
    if anchor is None or anchor.valid(verifier):
        return None
    return Finding(anchor.seq, "the anchor's signature is not valid")


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
