"""Reading and writing the statistics tables; every function takes the caller's connection."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Delete,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.stats_models import StatsCellRow, StatsEventRow, StatsWorkerCellRow
from hub.db.types import under
from hub.db.upsert import upsert
from hub.stats.facts import EventFacts, from_json, to_json
from hub.stats.measures import Measure, WorkerMeasure
from hub.stats.rollup import StatsKey, Tally, WorkerKey

EVENTS = cast("Table", StatsEventRow.__table__)
CELLS = cast("Table", StatsCellRow.__table__)
WORKER_CELLS = cast("Table", StatsWorkerCellRow.__table__)
CHUNK = 500
KEYS_A_STATEMENT = 100  # five parameters a key; an OR this long still plans quickly
K = TypeVar("K", bound=tuple[Any, ...])


@dataclass(frozen=True, slots=True)
class Layout(Generic[K]):
    """A rollup table: its key columns, its counters in ``Measure`` order, any histogram."""

    table: Table
    keys: tuple[str, ...]
    counters: tuple[str, ...]
    histogram: bool

    def key_of(self, row: Row[Any]) -> K:
        return cast("K", tuple(getattr(row, name) for name in self.keys))

    def tally_of(self, row: Row[Any]) -> Tally:
        values = [getattr(row, name) for name in self.counters]
        buckets = {int(b): c for b, c in row.buckets.items()} if self.histogram else None
        return Tally(len(values), values, buckets)

    def row_of(self, key: K, tally: Tally) -> dict[str, Any]:
        row = dict(zip(self.keys, key, strict=True))
        row.update(zip(self.counters, tally.values, strict=True))
        if self.histogram:
            row["buckets"] = {str(b): c for b, c in sorted(tally.buckets.items())}
        return row

    def matching(self) -> ColumnElement[bool]:
        """``KEYS_A_STATEMENT`` cells, by bound parameters (``parameters``). An OR of key
        equalities, not a row-value IN: SQLite scans the whole table for the latter, but
        looks each term up in the primary key. Built once, so compiled once."""
        columns = [self.table.c[name] for name in self.keys]
        return or_(
            *(
                and_(*(c == bindparam(f"k{i}_{c.name}") for c in columns))
                for i in range(KEYS_A_STATEMENT)
            )
        )

    def parameters(self, keys: Sequence[K]) -> dict[str, Any]:
        """Bound values for ``matching``; a short chunk repeats its last key."""
        padded = [*keys, *[keys[-1]] * (KEYS_A_STATEMENT - len(keys))]
        return {
            f"k{i}_{name}": value
            for i, key in enumerate(padded)
            for name, value in zip(self.keys, key, strict=True)
        }

    def within(self, prefixes: Sequence[str]) -> ColumnElement[bool]:
        """Cells of grids under any of the region codes (a prefix range each)."""
        return under(self.table.c.grid_code, prefixes)


STATS: Layout[StatsKey] = Layout(
    CELLS,
    ("period", "dimension", "start", "grid_code", "key"),
    tuple(m.name.lower() for m in Measure),
    histogram=True,
)
WORKERS: Layout[WorkerKey] = Layout(
    WORKER_CELLS,
    ("period", "start", "grid_code", "worker"),
    tuple(m.name.lower() for m in WorkerMeasure),
    histogram=False,
)


# -- facts -----------------------------------------------------------------------------


async def load_facts(connection: AsyncConnection, ids: Collection[str]) -> dict[str, EventFacts]:
    """The facts of these events, locked for this transaction where the database can."""
    found: dict[str, EventFacts] = {}
    for chunk in _chunks(list(ids)):
        statement = select(EVENTS).where(EVENTS.c.event_id.in_(chunk)).with_for_update()
        for row in await connection.execute(statement):
            found[row.event_id] = from_json(row.facts)
    return found


async def save_facts(connection: AsyncConnection, facts: Iterable[EventFacts]) -> None:
    rows = [{"event_id": f.event_id, "facts": to_json(f)} for f in facts]
    await upsert(connection, EVENTS, rows, ("event_id",))


# -- cells -----------------------------------------------------------------------------


async def add_cells(
    connection: AsyncConnection, layout: Layout[K], delta: Mapping[K, Tally]
) -> None:
    """Add a delta to the stored cells: read (locked), add, write; empty cells go."""
    if not delta:
        return
    stored = await _load_cells(connection, layout, list(delta))
    for key, change in delta.items():
        stored.setdefault(key, Tally(len(layout.counters))).merge(change)
    empty = [key for key, tally in stored.items() if tally.prune().zero]
    rows = [layout.row_of(key, tally) for key, tally in stored.items() if not tally.zero]
    await upsert(connection, layout.table, rows, layout.keys)
    removal = _statements(layout).delete
    for chunk in _chunks(empty, KEYS_A_STATEMENT):
        await connection.execute(removal, layout.parameters(chunk))


async def insert_cells(
    connection: AsyncConnection, layout: Layout[K], cells: Mapping[K, Tally]
) -> None:
    """Cells into a table that has none of them (a rebuild): no reads."""
    rows = [layout.row_of(key, tally) for key, tally in cells.items()]
    for chunk in _chunks(rows):
        await connection.execute(layout.table.insert(), chunk)


async def _load_cells(
    connection: AsyncConnection, layout: Layout[K], keys: list[K]
) -> dict[K, Tally]:
    found: dict[K, Tally] = {}
    statement = _statements(layout).select
    for chunk in _chunks(keys, KEYS_A_STATEMENT):
        for row in await connection.execute(statement, layout.parameters(chunk)):
            found[layout.key_of(row)] = layout.tally_of(row)
    return found


@dataclass(frozen=True, slots=True)
class _Statements:
    select: Select[Any]
    delete: Delete


@cache
def _statements(layout: Layout[Any]) -> _Statements:
    where = layout.matching()
    return _Statements(
        select(layout.table).where(where).with_for_update(), delete(layout.table).where(where)
    )


async def cells_between(
    connection: AsyncConnection,
    layout: Layout[K],
    conditions: Sequence[ColumnElement[bool]],
) -> list[Row[Any]]:
    """Stored cells meeting every condition (a period, a range of starts, grids)."""
    return list(await connection.execute(select(layout.table).where(*conditions)))


async def sums_by(
    connection: AsyncConnection,
    layout: Layout[K],
    group: str,
    counters: Sequence[str],
    conditions: Sequence[ColumnElement[bool]],
) -> dict[str, list[int]]:
    """Counters summed per value of the ``group`` column over the cells that qualify."""
    table = layout.table
    statement = (
        select(table.c[group], *(func.sum(table.c[c]) for c in counters))
        .where(*conditions)
        .group_by(table.c[group])
    )
    return {row[0]: [int(v or 0) for v in row[1:]] for row in await connection.execute(statement)}


def starting_between(layout: Layout[Any], first: date, last: date) -> ColumnElement[bool]:
    start = layout.table.c.start
    return and_(start >= first, start <= last)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
