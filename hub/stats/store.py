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
    Table,
    and_,
    bindparam,
    delete,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.stats_models import StatsCellRow, StatsEventRow, StatsWorkerCellRow
from hub.db.types import under
from hub.db.upsert import add_up, upsert
from hub.stats.facts import EventFacts, from_json, to_json
from hub.stats.measures import Measure, WorkerMeasure
from hub.stats.rollup import StatsKey, Tally, WorkerKey

EVENTS = cast("Table", StatsEventRow.__table__)
CELLS = cast("Table", StatsCellRow.__table__)
WORKER_CELLS = cast("Table", StatsWorkerCellRow.__table__)
CHUNK = 500
K = TypeVar("K", bound=tuple[Any, ...])


@dataclass(frozen=True, slots=True)
class Layout(Generic[K]):
    """A rollup table: its key columns, its counters in ``Measure`` order, any histogram."""

    table: Table
    keys: tuple[str, ...]
    counters: tuple[str, ...]
    histogram: bool

    def tally_of(self, row: Row[Any]) -> Tally:
        values = [getattr(row, name) for name in self.counters]
        buckets = {int(b): c for b, c in row.buckets.items()} if self.histogram else None
        return Tally(len(values), values, buckets)

    def row_of(self, key: K, tally: Tally) -> dict[str, Any]:
        row = dict(zip(self.keys, key, strict=True))
        row.update(zip(self.counters, tally.values, strict=True))
        if self.histogram:
            row["buckets"] = _stored_buckets(tally.buckets)
        return row

    def at_key(self) -> ColumnElement[bool]:
        """One cell, by bound parameters (``key_parameters``)."""
        return and_(*(self.table.c[name] == bindparam(f"at_{name}") for name in self.keys))

    def key_parameters(self, key: K) -> dict[str, Any]:
        return {f"at_{name}": value for name, value in zip(self.keys, key, strict=True)}

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
    """Add a delta to the stored cells where they lie: the database adds the counters
    and the histograms' bucket counts, so nothing is read first and writers at once
    lose nothing. Cells the delta took something from go if that left them empty."""
    if not delta:
        return
    rows = [layout.row_of(key, tally) for key, tally in delta.items()]
    histogram: ColumnElement[Any] = literal_column(_BUCKET_SUMS[connection.dialect.name])
    combined = {"buckets": histogram} if layout.histogram else {}
    await add_up(connection, layout.table, rows, layout.keys, layout.counters, combined)
    taken_from = [key for key, tally in delta.items() if min(tally.values) < 0]
    if taken_from:
        parameters = [layout.key_parameters(key) for key in taken_from]
        await connection.execute(_delete_empty(layout), parameters)


# The stored histogram plus the one being inserted (``excluded``), bucket by bucket,
# without the buckets that come to zero; the stored one as it is when none is added.
_BUCKET_SUMS = {
    "postgresql": """CASE WHEN excluded.buckets::text = '{}' THEN stats_cells.buckets ELSE (
        SELECT COALESCE(json_object_agg(b, n ORDER BY b::int), '{}') FROM (
            SELECT b, SUM(n) AS n FROM (
                SELECT key AS b, value::text::int AS n FROM json_each(stats_cells.buckets)
                UNION ALL SELECT key, value::text::int FROM json_each(excluded.buckets)
            ) AS both_ GROUP BY b HAVING SUM(n) <> 0
        ) AS summed) END""",
    "sqlite": """CASE WHEN excluded.buckets = '{}' THEN stats_cells.buckets ELSE (
        SELECT json_group_object(b, n) FROM (
            SELECT b, SUM(n) AS n FROM (
                SELECT key AS b, value AS n FROM json_each(stats_cells.buckets)
                UNION ALL SELECT key, value FROM json_each(excluded.buckets)
            ) GROUP BY b HAVING SUM(n) <> 0 ORDER BY CAST(b AS INTEGER)
        )) END""",
}


@cache
def _delete_empty(layout: Layout[Any]) -> Delete:
    """One cell, by ``Layout.key_parameters``, if every counter is zero: its histogram
    is then empty too, as each bucket count is a closure's."""
    table = layout.table
    return delete(table).where(layout.at_key(), *(table.c[name] == 0 for name in layout.counters))


async def insert_cells(
    connection: AsyncConnection, layout: Layout[K], cells: Mapping[K, Tally]
) -> None:
    """Cells into a table that has none of them (a rebuild): no reads."""
    rows = [layout.row_of(key, tally) for key, tally in cells.items()]
    for chunk in _chunks(rows):
        await connection.execute(layout.table.insert(), chunk)


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


def _stored_buckets(buckets: Mapping[int, int]) -> dict[str, int]:
    """A histogram as its column holds it: buckets in order, none empty."""
    return {str(bucket): count for bucket, count in sorted(buckets.items()) if count}


def starting_between(layout: Layout[Any], first: date, last: date) -> ColumnElement[bool]:
    start = layout.table.c.start
    return and_(start >= first, start <= last)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
