"""The audit chain: appends from many requests and two replicas form one chain, and
``hub audit verify`` catches every kind of tampering, naming the first bad entry."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from hub.db.engine import Database
from hub.db.security_models import AuditCheckpointRow, AuditEntryRow, AuditHeadRow
from hub.security.audit import (
    ENTRY_FIELDS,
    Anchor,
    AuditLog,
    Entry,
    Signer,
    entry_of,
    new_signing_key,
    read_anchor,
    verify,
)
from hub.security.audit.anchor import write_anchor
from tests.support.cli import ahub, point_at
from tests.support.events import eventually

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


def audit_log(database: Database, every: int = 10, anchor: Path | None = None) -> AuditLog:
    return AuditLog(database, Signer.from_hex(KEY), checkpoint_every=every, anchor=anchor)


async def filled(database: Database, count: int = 30, anchor: Path | None = None) -> AuditLog:
    log = audit_log(database, anchor=anchor)
    for start in range(0, count, 5):
        await log.append([entry(n) for n in range(start, start + 5)])
    return log


async def check(database: Database, anchor: Anchor | None = None) -> tuple[int | None, str]:
    report = await verify(database, Signer.from_hex(KEY).verifier, anchor)
    return (report.first_bad.seq, report.first_bad.problem) if report.first_bad else (None, "")


def test_an_entry_hashes_as_the_chains_already_written_hold_it() -> None:
    from hub.security.audit.chain import entry_hash  # noqa: PLC0415 - the chain's own arithmetic

    at = datetime(2026, 12, 5, 17, 5, 30, 123456, tzinfo=timezone(timedelta(hours=8)))
    entry = Entry(
        at, "PII_READ", "key:ops-1", "Dashboard", "Resident.phone", "R-1 R-2", "console/1.0", "巡查"
    )
    assert (  # as the code before it hashed every stored entry: a change here breaks them all
        entry_hash(41, entry, "ab" * 32)
        == "9239b43445545d8b6199c23234e930d9a0f11394562d4d40e76636319a79cc13"
    )


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


async def test_an_edit_that_rehashes_the_rest_is_named_where_it_starts(
    database: Database,
) -> None:
    await filled(database)
    await rewrite_from(database, 12)
    assert await check(database) == (12, "differs from what was signed when it was written")


async def test_an_edit_after_the_last_checkpoint_with_the_head_recomputed_is_named(
    database: Database,
) -> None:
    await filled(database, 35)  # checkpoints at 10, 20 and 30
    await rewrite_from(database, 33)
    assert await check(database) == (33, "differs from what was signed when it was written")


async def test_entries_from_before_signing_verify_and_stripping_signatures_is_named(
    database: Database,
) -> None:
    await filled(database)
    async with database.session() as session, session.begin():  # as written before 0011
        await session.execute(
            update(AuditEntryRow).where(AuditEntryRow.seq <= 8).values(signature=None)
        )
    assert await check(database) == (None, "")
    async with database.session() as session, session.begin():
        await session.execute(
            update(AuditEntryRow).where(AuditEntryRow.seq == 14).values(signature=None)
        )
    assert await check(database) == (14, "unsigned, after signed entries")


async def test_an_edit_to_entries_from_before_signing_fails_at_the_checkpoint(
    database: Database,
) -> None:
    await filled(database)
    async with database.session() as session, session.begin():
        await session.execute(update(AuditEntryRow).values(signature=None))
    await rewrite_from(database, 12)
    assert await check(database) == (20, "differs from what the signed checkpoint holds")


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
    assert await check(database) == (16, "missing: truncated before the signed checkpoint at 30")


async def cut_after(database: Database, last: int) -> None:
    """Truncate the chain after ``last``, rewind the head, drop the checkpoints beyond."""
    async with database.session() as session, session.begin():
        await session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq > last))
        await session.execute(delete(AuditCheckpointRow).where(AuditCheckpointRow.seq > last))
        row = await session.get(AuditEntryRow, last)
        assert row is not None
        await session.execute(update(AuditHeadRow).values(seq=last, hash=row.hash))


async def test_a_truncation_the_database_cannot_show_is_caught_by_the_anchor(
    database: Database, tmp_path: Path
) -> None:
    log = await filled(database, 35, tmp_path / "anchor.json")
    signed = await log.checkpoint()
    assert signed is not None
    assert read_anchor(tmp_path / "anchor.json") == signed
    assert signed.seq == 35
    await cut_after(database, 27)
    assert await check(database) == (None, "")  # nothing left inside the database shows it
    assert await check(database, signed) == (
        28,
        "missing: truncated before the anchor kept outside the database at 35",
    )


async def test_the_anchor_keeps_the_furthest_head_and_a_forged_one_is_named(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "anchor.json"
    await filled(database, 25, path)
    assert read_anchor(path).seq == 20  # the count checkpoint wrote it too
    write_anchor(path, dataclasses.replace(read_anchor(path), seq=3))  # a replica behind
    assert read_anchor(path).seq == 20
    forged = dataclasses.replace(
        read_anchor(path), signature=Signer.from_hex(new_signing_key()).sign(20, "0" * 64)
    )
    assert await check(database, forged) == (20, "the anchor's signature is not valid")


async def test_the_head_is_signed_on_a_timer_and_at_close(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "anchor.json"
    log = audit_log(database, every=1000, anchor=path)
    log.start(every_seconds=0.05)
    await log.append([entry(n) for n in range(7)])
    await eventually(lambda: path.exists() and read_anchor(path).seq == 7)
    await log.append([entry(n) for n in range(7, 9)])
    await log.aclose()
    assert read_anchor(path).seq == 9
    async with database.session() as session:
        signed = list(await session.scalars(select(AuditCheckpointRow.seq)))
    assert {7, 9} <= set(signed)


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
    columns = (*ENTRY_FIELDS, "prev_hash", "hash", "signature")
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


async def test_hub_audit_verify_checks_against_the_anchor_file(
    env: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    anchor = tmp_path / "anchor.json"
    monkeypatch.setenv("HUB_SECURITY__AUDIT_ANCHOR", str(anchor))
    await filled(env, 35, anchor)
    code, out, _ = await ahub("audit", "verify")
    assert (code, out) == (0, "audit chain intact: 35 entries, 3 checkpoints, anchored at 30\n")
    code, out, _ = await ahub("audit", "checkpoint")
    assert (code, out) == (0, "checkpoint at entry 35\n")
    await cut_after(env, 31)
    code, _, err = await ahub("audit", "verify")
    assert code == 1
    assert "broken at entry 32: missing: truncated before the anchor" in err
    code, _, err = await ahub("audit", "verify", "--anchor", str(tmp_path / "elsewhere.json"))
    assert code == 2
    assert "not an audit anchor" in err


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
