"""Whether the bus's broker answers, as it is now.

The Kafka client retries by itself while a broker is away: its consumers keep polling
and its producer keeps waiting, and nothing the hub calls fails until a timeout much
later. So the hub asks the broker directly, every few seconds, and says what it found:
once per change in the log, as a gauge and a count of outages in ``/metrics``, and in
``/readyz``. When the broker comes back, whoever waits on ``back`` (the outbox relay,
in its backoff) goes on at once instead of at the end of its backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time

from hub.bus.backend import Backend
from hub.bus.signal import Signal
from hub.observability.metrics import Metrics

log = logging.getLogger(__name__)


class BrokerWatch:
    def __init__(
        self, backend: Backend, metrics: Metrics, every: float = 2.0, timeout: float = 3.0
    ) -> None:
        self.backend = backend
        self.every = every
        self.timeout = timeout
        self.reachable = True  # until a probe says otherwise: the hub starts optimistic
        self.back = Signal()
        self._since = time.monotonic()
        self.metrics = metrics
        metrics.bus_broker_up.set(1)

    async def run(self) -> None:
        while True:
            await self.probe()
            await asyncio.sleep(self.every)

    async def probe(self) -> bool:
        try:
            async with asyncio.timeout(self.timeout):
                await self.backend.ping()
        except Exception as error:  # any failure to answer is an unreachable broker
            self._went_away(error)
        else:
            self._came_back()
        return self.reachable

    def _went_away(self, error: BaseException) -> None:
        if not self.reachable:
            return
        self.reachable, self._since = False, time.monotonic()
        self.metrics.bus_broker_up.set(0)
        self.metrics.bus_broker_outages.inc()
        log.warning(
            "the bus's broker is unreachable; reports wait in the outbox",
            extra={"error": str(error) or type(error).__name__},
        )

    def _came_back(self) -> None:
        if self.reachable:
            return
        away = time.monotonic() - self._since
        self.reachable = True
        self.metrics.bus_broker_up.set(1)
        log.info("the bus's broker is back", extra={"away_seconds": round(away, 1)})
        self.back.fire()
