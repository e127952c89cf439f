"""The audit chain: appends from many requests and two replicas form one chain, and
``hub audit verify`` catches every kind of tampering, naming the first bad entry."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from hub.db.engine import Database
from hub.db.security_models import AuditCheckpointRow, AuditEntryRow, AuditHeadRow
from hub.security.audit import (
    ENTRY_FIELDS,
    AuditLog,
    Entry,
    Signer,
    entry_of,
    new_signing_key,
    verify,
)
from tests.support.cli import ahub, point_at

KEY = new_signing_key()


def entry(n: int) -> Entry:
    return Entry(
        at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC) + timedelta(seconds=n),
        action="pii.read",
        principal="key:test",
        operation=f"Op{n}",
        field="GridWorker.phone",
        record=f"GridWorker@330199001001{n % 100:03d}",
        client="127.0.0.1",
        purpose="走访",
    )


def audit_log(database: Database, every: int = 10) -> AuditLog:
    return AuditLog(database, Signer.from_hex(KEY), checkpoint_every=every)


async def filled(database: Database, count: int = 30) -> AuditLog:
    log = audit_log(database)
    for start in range(0, count, 5):
        await log.append([entry(n) for n in range(start, start + 5)])
    return log


async def check(database: Database) -> tuple[int | None, str]:
    report = await verify(database, Signer.from_hex(KEY).verifier)
    return (report.first_bad.seq, report.first_bad.problem) if report.first_bad else (None, "")


async def test_an_untouched_chain_verifies(database: Database) -> None:
    await filled(database)
    report = await verify(database, Signer.from_hex(KEY).verifier)
    assert report.ok
    assert (report.entries, report.checkpoints) == (30, 3)


async def test_concurrent_requests_and_two_replicas_extend_one_chain(database: Database) -> None:
    replica = Database(database.url)  # a second process on the same database
    try:
        logs = [audit_log(database), audit_log(replica)]
        batches = [
            logs[i % 2].append([entry(i * 10 + j) for j in range(1 + i % 4)]) for i in range(60)
        ]
        await asyncio.gather(*batches)
    finally:
        await replica.aclose()
    async with database.session() as session:
        seqs = list(await session.scalars(select(AuditEntryRow.seq).order_by(AuditEntryRow.seq)))
    expected = sum(1 + i % 4 for i in range(60))
    assert seqs == list(range(1, expected + 1))
    assert await check(database) == (None, "")


async def test_a_failed_write_fails_every_request_waiting_on_it(database: Database) -> None:
    log = audit_log(database)
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP TABLE audit_checkpoints"))
    results = await asyncio.gather(
        *(log.append([entry(n) for n in range(12)]) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, Exception) for r in results)


# -- tampering ---------------------------------------------------------------------------


async def test_an_edited_entry_is_named(database: Database) -> None:
    await filled(database)
    async with database.session() as session, session.begin():
        await session.execute(
            update(AuditEntryRow).where(AuditEntryRow.seq == 17).values(purpose="nothing")
        )
    assert await check(database) == (17, "altered: its hash does not match its content")


async def test_an_edit_that_rehashes_the_rest_still_fails_at_the_checkpoint(
    database: Database,
) -> None:
    await filled(database)
    await rewrite_from(database, 12)
    seq, problem = await check(database)
    assert (seq, problem) == (20, "differs from what its signed checkpoint holds")


async def test_a_deleted_entry_is_named(database: Database) -> None:
    await filled(database)
    async with database.session() as session, session.begin():
        await session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == 9))
    assert await check(database) == (9, "missing (the next stored entry is 10)")


async def test_reordered_entries_are_named(database: Database) -> None:
    await filled(database)
    async with database.session() as session, session.begin():
        rows = {
            row.seq: row
            for row in await session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.seq.in_([5, 6]))
            )
        }
        await session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq.in_([5, 6])))
        await session.flush()
        for seq, other in ((5, rows[6]), (6, rows[5])):  # swap their places in the chain
            session.add(_copy(other, seq))
    assert await check(database) == (5, "does not follow the entry before it")


async def test_a_truncated_tail_is_named(database: Database) -> None:
    await filled(database, 35)  # signed at 10, 20 and 30; the head row says 35
    async with database.session() as session, session.begin():
        await session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq > 32))
    assert await check(database) == (33, "missing: truncated (the head is at 35)")


async def test_truncation_that_also_rewinds_the_head_is_caught_by_a_checkpoint(
    database: Database,
) -> None:
    await filled(database)
    async with database.session() as session, session.begin():
        await session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq > 15))
        row = await session.get(AuditEntryRow, 15)
        assert row is not None
        await session.execute(update(AuditHeadRow).values(seq=15, hash=row.hash))
    assert await check(database) == (16, "missing: truncated before checkpoint 30")


async def test_a_forged_checkpoint_is_named(database: Database) -> None:
    await filled(database)
    async with database.session() as session, session.begin():
        await session.execute(
            update(AuditCheckpointRow)
            .where(AuditCheckpointRow.seq == 20)
            .values(signature=Signer.from_hex(new_signing_key()).sign(20, "0" * 64))
        )
    assert await check(database) == (20, "its checkpoint's signature is not valid")


async def rewrite_from(database: Database, start: int) -> None:
    """What an attacker without the signing key can do: edit, then re-hash everything after."""
    from hub.security.audit.chain import entry_hash  # noqa: PLC0415 - the attacker's tool

    async with database.session() as session, session.begin():
        rows = list(
            await session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.seq >= start).order_by(AuditEntryRow.seq)
            )
        )
        previous = rows[0].prev_hash
        for row in rows:
            if row.seq == start:
                row.purpose = "rewritten"
            row.prev_hash = previous
            row.hash = previous = entry_hash(row.seq, entry_of(row), previous)
        await session.execute(update(AuditHeadRow).values(hash=previous))


def _copy(row: AuditEntryRow, seq: int) -> AuditEntryRow:
    columns = (*ENTRY_FIELDS, "prev_hash", "hash")
    return AuditEntryRow(seq=seq, **{name: getattr(row, name) for name in columns})


# -- the command ---------------------------------------------------------------------------


@pytest.fixture
def env(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    point_at(monkeypatch, database.url, HUB_SECURITY__AUDIT_SIGNING_KEY=KEY)
    return database


async def test_hub_audit_verify_names_the_first_bad_entry(env: Database) -> None:
    await filled(env)
    code, out, _ = await ahub("audit", "verify")
    assert (code, out) == (0, "audit chain intact: 30 entries, 3 checkpoints\n")
    async with env.session() as session, session.begin():
        await session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == 12))
    code, _, err = await ahub("audit", "verify")
    assert code == 1
    assert "audit chain broken at entry 12: missing (the next stored entry is 13)" in err
    assert "(11 good before it)" in err


async def test_hub_audit_export_writes_a_range_an_auditor_can_recheck(
    env: Database, tmp_path: Path
) -> None:
    await filled(env)
    out = tmp_path / "audit.jsonl"
    code, _, err = await ahub(
        "audit", "export", "--from", "2026-11-30T08:00:05", "--to", "2026-11-30T08:00:25",
        "--output", str(out),
    )  # fmt: skip
    assert code == 0
    assert err == "exported 20 entries and 2 checkpoints\n"
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    entries = [line for line in lines if line["type"] == "entry"]
    assert [e["seq"] for e in entries] == list(range(6, 26))
    assert all(b["prevHash"] == a["hash"] for a, b in itertools.pairwise(entries))
    checkpoints = [line for line in lines if line["type"] == "checkpoint"]
    assert [c["seq"] for c in checkpoints] == [10, 20]
    verifier = Signer.from_hex(KEY).verifier
    assert all(verifier.verify(c["seq"], c["hash"], c["signature"]) for c in checkpoints)
