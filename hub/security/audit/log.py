"""Appending to the audit chain: cheap under load, one chain across replicas.

Each request hands its entries over as one batch. Batches that arrive while a write
is under way wait and go together in the next transaction (group commit), so a burst
of requests costs a few transactions, not one each. Every transaction starts by
updating the single head row, which locks it (PostgreSQL's row lock, SQLite's write
lock): a second replica's append waits for the first to commit and then chains onto
its hash, so the chain never forks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import insert, select, update

from hub.db.engine import Database
from hub.db.security_models import AuditCheckpointRow, AuditEntryRow, AuditHeadRow
from hub.security.audit.chain import Entry, Sealed, Signer, seal

log = logging.getLogger(__name__)

Pending = tuple[list[Entry], "asyncio.Future[None]"]


class AuditLog:
    def __init__(self, database: Database, signer: Signer, checkpoint_every: int) -> None:
        self.database = database
        self.signer = signer
        self.checkpoint_every = checkpoint_every
        self._pending: list[Pending] = []
        self._writer: asyncio.Task[None] | None = None

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
                log.exception("audit append failed; the requests waiting on it fail too")
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def write(self, entries: list[Entry]) -> list[Sealed]:
        """One transaction: lock the head, chain the entries onto it, checkpoint if due."""
        async with self.database.session() as session, session.begin():
            head = await session.execute(
                update(AuditHeadRow)
                .where(AuditHeadRow.id == 1)
                .values(seq=AuditHeadRow.seq + len(entries))
                .returning(AuditHeadRow.seq, AuditHeadRow.hash)
            )
            new_seq, old_hash = head.one()
            sealed = seal(entries, new_seq - len(entries), old_hash)
            await session.execute(insert(AuditEntryRow), [_row(s) for s in sealed])
            await session.execute(
                update(AuditHeadRow).where(AuditHeadRow.id == 1).values(hash=sealed[-1].hash)
            )
            if (new_seq - len(entries)) // self.checkpoint_every < new_seq // self.checkpoint_every:
                session.add(self._checkpoint_row(sealed[-1].seq, sealed[-1].hash))
        return sealed

    async def checkpoint(self) -> int:
        """Sign the chain's head now (``hub audit checkpoint``); returns its seq."""
        async with self.database.session() as session, session.begin():
            head = await session.get(AuditHeadRow, 1, with_for_update=True)
            if head is None or head.seq == 0:
                return 0
            existing = await session.get(AuditCheckpointRow, head.seq)
            if existing is None:
                session.add(self._checkpoint_row(head.seq, head.hash))
            return head.seq

    def _checkpoint_row(self, seq: int, digest: str) -> AuditCheckpointRow:
        return AuditCheckpointRow(
            seq=seq,
            hash=digest,
            key_id=self.signer.key_id,
            signature=self.signer.sign(seq, digest),
        )

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
    }
