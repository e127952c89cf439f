"""Per-request DataLoaders: every field of one kind in a query costs one database round trip.

A loader exists only for the request that made it, so its cache never serves one
request's data to another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cached_property
from typing import TypeVar

from strawberry.dataloader import DataLoader

from hub.db.engine import Database
from hub.events import ledger
from hub.events.records import GridEventRecord, OrderRecord, TimelineEntry
from hub.registry import records, store

V = TypeVar("V")
Fetch = Callable[..., Awaitable[Mapping[str, V]]]


class Loaders:
    def __init__(self, database: Database) -> None:
        self._database = database

    def _loader(self, fetch: Fetch[V], default: V) -> DataLoader[str, V]:
        async def load(keys: Sequence[str]) -> list[V]:
            async with self._database.session() as session:
                found = await fetch(session, keys)
            return [found.get(key, default) for key in keys]

        return DataLoader(load_fn=load)

    @cached_property
    def region(self) -> DataLoader[str, records.Region | None]:
        return self._loader(store.regions, None)

    @cached_property
    def children(self) -> DataLoader[str, list[records.Region]]:
        return self._loader(store.children, [])

    @cached_property
    def geometry(self) -> DataLoader[str, str | None]:
        return self._loader(store.geometries, None)

    @cached_property
    def workers(self) -> DataLoader[str, list[records.GridWorker]]:
        return self._loader(store.workers, [])

    @cached_property
    def branch_of_grid(self) -> DataLoader[str, records.PartyBranch | None]:
        return self._loader(store.branches_of_grids, None)

    @cached_property
    def branch(self) -> DataLoader[str, records.PartyBranch | None]:
        return self._loader(store.branches, None)

    @cached_property
    def grid_event(self) -> DataLoader[str, GridEventRecord | None]:
        return self._loader(ledger.events, None)

    @cached_property
    def timeline(self) -> DataLoader[str, list[TimelineEntry]]:
        return self._loader(ledger.timelines, [])

    @cached_property
    def orders(self) -> DataLoader[str, list[OrderRecord]]:
        return self._loader(ledger.orders, [])
