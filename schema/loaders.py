"""What resolvers read through, per request.

The registry (regions, grid workers, party branches) is read from the registry's
in-memory snapshot, taken once per request so one answer never mixes two revisions.
Everything else goes through DataLoaders: every field of one kind in a query costs one
database round trip. A loader exists only for the request that made it, so its cache
never serves one request's data to another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cached_property
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

from hub.db.engine import Database
from hub.events import GridEventRecord, OrderRecord, TimelineEntry, ledger
from hub.registry import model, store
from hub.registry.service import Registry

V = TypeVar("V")
Fetch = Callable[..., Awaitable[Mapping[str, V]]]


class SnapshotLookup(Generic[V]):
    """The loader interface over the snapshot: no batching needed, no round trip."""

    def __init__(self, table: Mapping[str, V], default: V) -> None:
        self._table = table
        self._default = default

    async def load(self, key: str) -> V:
        return self._table.get(key, self._default)

    async def load_many(self, keys: Sequence[str]) -> list[V]:
        return [self._table.get(key, self._default) for key in keys]


class Loaders:
    def __init__(self, database: Database, registry: Registry) -> None:
        self._database = database
        self.snapshot = registry.snapshot

    def _loader(self, fetch: Fetch[V], default: V) -> DataLoader[str, V]:
        async def load(keys: Sequence[str]) -> list[V]:
            async with self._database.session() as session:
                found = await fetch(session, keys)
            return [found.get(key, default) for key in keys]

        return DataLoader(load_fn=load)

    @cached_property
    def region(self) -> SnapshotLookup[model.Region | None]:
        return SnapshotLookup(self.snapshot.regions, None)

    @cached_property
    def children(self) -> SnapshotLookup[list[model.Region]]:
        return SnapshotLookup(self.snapshot.children, [])

    @cached_property
    def geometry(self) -> DataLoader[str, str | None]:
        return self._loader(store.geometries, None)

    @cached_property
    def workers(self) -> SnapshotLookup[list[model.GridWorker]]:
        return SnapshotLookup(self.snapshot.workers, [])

    @cached_property
    def branch_of_grid(self) -> SnapshotLookup[model.PartyBranch | None]:
        return SnapshotLookup(self.snapshot.branch_of_grid, None)

    @cached_property
    def grid_event(self) -> DataLoader[str, GridEventRecord | None]:
        return self._loader(ledger.events, None)

    @cached_property
    def timeline(self) -> DataLoader[str, list[TimelineEntry]]:
        return self._loader(ledger.timelines, [])

    @cached_property
    def orders(self) -> DataLoader[str, list[OrderRecord]]:
        return self._loader(ledger.orders, [])
