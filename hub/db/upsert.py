"""Insert-or-update in bulk, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

CHUNK = 500  # keeps every statement under SQLite's bound-variable limit


async def upsert(
    session: AsyncSession | AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
) -> None:
    if not rows:
        return
    bind = session if isinstance(session, AsyncConnection) else session.get_bind()
    insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    # One statement, many parameter sets: compiled once (and cached), where a multi-row
    # VALUES would be compiled again for every chunk.
    statement = insert(table)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    statement = statement.on_conflict_do_update(index_elements=keys, set_=updates)
    for start in range(0, len(rows), CHUNK):
        await session.execute(statement, list(rows[start : start + CHUNK]))


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
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table)
    changes = {name: table.c[name] + statement.excluded[name] for name in added}
    statement = statement.on_conflict_do_update(index_elements=keys, set_={**changes, **combined})
    for start in range(0, len(rows), CHUNK):
        await connection.execute(statement, list(rows[start : start + CHUNK]))


async def insert_missing(
    connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> int:
    """Insert the rows whose key is not there yet; returns how many were new."""
    if not rows:
        return 0
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    result = await connection.execute(insert(table).on_conflict_do_nothing(), list(rows))
    return int(result.rowcount)


async def upsert_row(
    connection: AsyncConnection, table: Table, row: dict[str, Any], keys: Sequence[str]
) -> None:
    """Insert one row or update it in place, in the caller's transaction."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(row)
    updates = {name: statement.excluded[name] for name in row if name not in keys}
    await connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))
