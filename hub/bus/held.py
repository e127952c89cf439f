"""Partitions an open transaction holds for longer than any transaction lives.

A reader with ``read_committed`` (every reader of the hub's) stops at a partition's
last stable offset: the first record of a transaction not yet ended. A transaction the
broker's coordinator knows of ends within its timeout, aborted if need be. One it does
not know of, a "hanging" transaction (Kafka can leave one after a broker crash), holds
the partition for good, and every report of its grids waits with it, while the broker
answers and every task runs: the hub would say it was ready.

So the hub watches each partition's stable offset. One held at the same offset for
longer than ``after`` seconds, with records behind it, is named: in ``/readyz``, once
per change in the log, and as a gauge in ``/metrics``. Given ``owned_by`` (the prefix
of the hub's transactional ids), the hub then ends that transaction if it is one of its
own that the coordinator no longer has open, by committing it, as the coordinator had
decided (``Backend.complete``); it asks again on each probe while the partition is held.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from hub.bus.backend import Backend, Partition
from hub.observability.metrics import Metrics

log = logging.getLogger(__name__)


def label(partition: Partition) -> str:
    topic, index = partition
    return f"{topic}[{index}]"


class HeldWatch:
    def __init__(
        self,
        backend: Backend,
        topics: Sequence[str],
        metrics: Metrics,
        after: float,
        owned_by: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.topics = list(topics)
        self.metrics = metrics
        self.every = min(15.0, after / 4)  # named within a quarter of ``after`` late
        self.after = after
        self.owned_by = owned_by  # the hub's transactional ids' prefix; None: name only
        self.clock = clock
        self.held: list[str] = []  # "topic[partition]", held longer than ``after``
        self._since: dict[Partition, tuple[int, float]] = {}  # -> (stable offset, since)
        self._failed: set[tuple[Partition, int]] = set()  # said could not be ended

    async def run(self) -> None:
        while True:
            await self.probe()
            await asyncio.sleep(self.every)

    async def probe(self) -> list[str]:
        try:
            unsettled = await self.backend.unsettled(self.topics)
        except Exception:  # the broker watch says when the broker does not answer
            self._since = {}  # unseen meanwhile: a transaction the outage cut may end yet
            return self.held
        now = self.clock()
        self._since = {p: self._kept(p, stable, now) for p, (stable, _) in unsettled.items()}
        stuck = {
            p: stable for p, (stable, since) in self._since.items() if now - since >= self.after
        }
        held = sorted(label(p) for p in stuck)
        if held != self.held:
            self._said(held)
        self.held = held
        if self.owned_by is not None:
            await self._complete(stuck, self.owned_by)
        return held

    def _kept(self, partition: Partition, stable: int, now: float) -> tuple[int, float]:
        """When the partition's stable offset last moved, as far as the watch has seen."""
        seen = self._since.get(partition)
        return seen if seen is not None and seen[0] == stable else (stable, now)

    def _said(self, held: list[str]) -> None:
        self.metrics.bus_partitions_held.set(len(held))
        if held:
            log.warning(
                "partitions held by an open transaction; their readers wait",
                extra={"partitions": held, "held_after_seconds": self.after},
            )
        else:
            log.info("no partition is held by an open transaction any more")

    async def _complete(self, stuck: dict[Partition, int], owned_by: str) -> None:
        for partition, stable in stuck.items():
            where = {"partition": label(partition), "offset": stable}
            try:
                whose = await self.backend.complete(partition, stable, owned_by)
            except Exception as error:  # said once; asked again next probe
                if (partition, stable) not in self._failed:
                    log.error("could not end the transaction", extra={**where, "error": str(error)})
                self._failed.add((partition, stable))
                continue
            if whose is not None:
                log.warning(
                    "committed the transaction that held it, as its coordinator had decided",
                    extra={**where, "of": whose},
                )
