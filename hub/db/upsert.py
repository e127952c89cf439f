"""Insert-or-update in bulk, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

CHUNK = 500  # keeps every statement under SQLite's bound-variable limit
Insert = postgresql.Insert | sqlite.Insert
Changes = Callable[[Insert], Mapping[str, Any]]  # the SET of a conflicting row


def _insert(dialect: str, table: Table) -> Insert:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


async def upsert(
    session: AsyncSession | AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
) -> None:
    """Insert each row, or overwrite the stored row with the same keys."""
    if not rows:
        return
    bind = session if isinstance(session, AsyncConnection) else session.get_bind()

    def overwritten(statement: Insert) -> dict[str, Any]:
        return {name: statement.excluded[name] for name in rows[0] if name not in keys}

    await _insert_or_update(session, bind.dialect.name, table, rows, keys, overwritten)


async def add_up(
    connection: AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    added: Sequence[str],
    combined: Mapping[str, ColumnElement[Any]],
) -> None:
    """Insert each row, or add its ``added`` columns to those of the stored row with the
    same keys and set the ``combined`` ones to their expressions (of the stored row and
    ``excluded``, the row being inserted). The database does it under the row's lock,
    so nothing is read first and concurrent writers cannot lose each other's changes.
    Other columns are written only by an insert."""
    if not rows:
        return

    def summed(statement: Insert) -> dict[str, Any]:
        sums = {name: table.c[name] + statement.excluded[name] for name in added}
        return {**sums, **combined}

    await _insert_or_update(connection, connection.dialect.name, table, rows, keys, summed)


async def _insert_or_update(
    executor: AsyncSession | AsyncConnection,
    dialect: str,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    changes: Changes,
) -> None:
    # One statement, many parameter sets: compiled once (and cached), where a multi-row
    # VALUES would be compiled again for every chunk.
    statement = _insert(dialect, table)
    statement = statement.on_conflict_do_update(index_elements=keys, set_=changes(statement))
    for start in range(0, len(rows), CHUNK):
        await executor.execute(statement, list(rows[start : start + CHUNK]))


async def insert_missing(
    connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> int:
    """Insert the rows whose key is not there yet; returns how many were new."""
    if not rows:
        return 0
    statement = _insert(connection.dialect.name, table).on_conflict_do_nothing()
    result = await connection.execute(statement, list(rows))
    return int(result.rowcount)
