"""Appending to the audit chain: cheap under load, one chain across replicas.

Each request hands its entries over as one batch. Batches that arrive while a write
is under way wait and go together in the next transaction (group commit), so a burst
of requests costs a few transactions, not one each. Every transaction starts by
updating the single head row, which locks it (PostgreSQL's row lock, SQLite's write
lock): a second replica's append waits for the first to commit and then chains onto
its hash, so the chain never forks.

Each checkpoint it signs (every ``checkpoint_every`` entries, on a timer, at shutdown
and on ``hub audit checkpoint``) is also written to the anchor file, if one is set, and
the timed ones to the log: both outside the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update

from hub.core.tasks import cancelled
from hub.db.engine import Database
from hub.db.outage import log_failure
from hub.db.security_models import AuditCheckpointRow, AuditEntryRow, AuditHeadRow
from hub.db.types import utcnow
from hub.security.audit.anchor import Anchor, write_anchor
from hub.security.audit.chain import Entry, Sealed, Signer, seal

log = logging.getLogger(__name__)

Pending = tuple[list[Entry], "asyncio.Future[None]"]

# Each append's statements, built once: building them for every batch (the ORM
# attributes' operators, then each statement's cache key) cost about as much CPU as
# executing them.
ADVANCE_HEAD = (
    update(AuditHeadRow)
    .where(AuditHeadRow.id == 1)
    .values(seq=AuditHeadRow.seq + bindparam("count"))
    .returning(AuditHeadRow.seq, AuditHeadRow.hash)
)
SET_HEAD_HASH = update(AuditHeadRow).where(AuditHeadRow.id == 1).values(hash=bindparam("digest"))
INSERT_ENTRIES = insert(AuditEntryRow)
INSERT_CHECKPOINT = insert(AuditCheckpointRow)


class AuditLog:
    def __init__(
        self,
        database: Database,
        signer: Signer,
        checkpoint_every: int,
        anchor: Path | None = None,
    ) -> None:
        self.database = database
        self.signer = signer
        self.checkpoint_every = checkpoint_every
        self.anchor = anchor
        self._pending: list[Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._timer: asyncio.Task[None] | None = None

    async def append(self, entries: Sequence[Entry]) -> None:
        """Returns once the entries are committed; raises if they could not be."""
        if not entries:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((list(entries), done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self.write([entry for entries, _ in batch for entry in entries])
            except Exception as error:
                log_failure(
                    log, "audit append failed; the requests waiting on it fail too", error, {}
                )
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def write(self, entries: list[Entry]) -> list[Sealed]:
        """One transaction: lock the head, chain the entries onto it, checkpoint if due.
        Plain statements on a connection: every request's entries pass here, and through
        the ORM's session its bulk statements cost CPU for nothing they add (``reportEvent``
        one at a time on Kafka and PostgreSQL: 273 a second with them, 330 without;
        ``python -m bench.event_bus``)."""
        due: AuditCheckpointRow | None = None
        async with self.database.engine.begin() as connection:
            head = await connection.execute(ADVANCE_HEAD, {"count": len(entries)})
            new_seq, old_hash = head.one()
            sealed = seal(entries, new_seq - len(entries), old_hash, self.signer)
            await connection.execute(INSERT_ENTRIES, [_row(s) for s in sealed])
            await connection.execute(SET_HEAD_HASH, {"digest": sealed[-1].hash})
            if (new_seq - len(entries)) // self.checkpoint_every < new_seq // self.checkpoint_every:
                values = self._checkpoint(sealed[-1].seq, sealed[-1].hash)
                await connection.execute(INSERT_CHECKPOINT, values)
                due = AuditCheckpointRow(**values)
        if due is not None:
            self._anchor(due)
        return sealed

    async def checkpoint(self) -> Anchor | None:
        """Sign the chain's head now; None while the chain is empty."""
        async with self.database.session() as session, session.begin():
            head = await session.get(AuditHeadRow, 1, with_for_update=True)
            if head is None or head.seq == 0:
                return None
            row = await session.get(AuditCheckpointRow, head.seq)
            if row is None:
                row = self._checkpoint_row(head.seq, head.hash)
                session.add(row)
        return self._anchor(row)

    def start(self, every_seconds: float) -> None:
        """Checkpoint on a timer, so the unsigned-by-checkpoint tail stays short."""
        self._timer = asyncio.create_task(self._keep_checkpointing(every_seconds))

    async def aclose(self) -> None:
        """Stop the timer and sign the head one last time (at shutdown)."""
        await cancelled(self._timer)
        await self._timed_checkpoint()

    async def _keep_checkpointing(self, every_seconds: float) -> None:
        while True:
            await asyncio.sleep(every_seconds)
            await self._timed_checkpoint()

    async def _timed_checkpoint(self) -> None:
        try:
            async with asyncio.timeout(10):  # not wait_for: on 3.11 it can lose a cancel
                signed = await self.checkpoint()
        except Exception:  # the database is away: the next one will sign further
            log.warning("audit checkpoint failed; the next one covers this stretch too")
            return
        if signed is not None:
            log.info("audit checkpoint %s", signed)

    def _checkpoint_row(self, seq: int, digest: str) -> AuditCheckpointRow:
        return AuditCheckpointRow(**self._checkpoint(seq, digest))

    def _checkpoint(self, seq: int, digest: str) -> dict[str, object]:
        signature = self.signer.sign(seq, digest)
        return {
            "seq": seq,
            "hash": digest,
            "key_id": self.signer.key_id,
            "signature": signature,
            "at": utcnow(),
        }

    def _anchor(self, row: AuditCheckpointRow) -> Anchor:
        anchor = Anchor(row.seq, row.hash, row.key_id, row.signature, row.at.isoformat())
        if self.anchor is not None:
            write_anchor(self.anchor, anchor)
        return anchor

    async def head(self) -> tuple[int, str]:
        async with self.database.session() as session:
            row = (await session.execute(select(AuditHeadRow.seq, AuditHeadRow.hash))).one()
            return int(row.seq), str(row.hash)


def _row(sealed: Sealed) -> dict[str, object]:
    entry = sealed.entry
    return {
        "seq": sealed.seq,
        "at": entry.at,
        "action": entry.action,
        "principal": entry.principal,
        "operation": entry.operation,
        "field": entry.field,
        "record": entry.record,
        "client": entry.client,
        "purpose": entry.purpose,
        "prev_hash": sealed.prev_hash,
        "hash": sealed.hash,
        "signature": sealed.signature,
    }
