"""The connectors of one hub process, and one request's view of them.

``Connectors`` is built once at start from the discovered classes and the settings,
and closed at shutdown. ``UpstreamSession`` is made per GraphQL request: it carries
the request's deadline and caller scope, and holds its DataLoaders, so loaders
batch within a request and never share answers across requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
from prometheus_client import CollectorRegistry
from strawberry.dataloader import DataLoader

from connectors.sdk.breaker import BreakerState
from connectors.sdk.calls import Call
from connectors.sdk.connector import Connector, ConnectorState
from connectors.sdk.grids import Crosswalk, Locator, Regions
from connectors.sdk.metrics import ConnectorMetrics
from connectors.sdk.registry import discover
from connectors.sdk.settings import ConnectorsSettings
from connectors.sdk.stats import Summary

log = logging.getLogger("hub.connectors")

DEGRADED_ERROR_RATE = 0.2


class Health(StrEnum):
    UP = "UP"
    # half-open, a fifth of recent calls failed, or the latest answer broke the contract
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"  # the breaker is open
    OFF = "OFF"  # disabled or not configured


@dataclass(frozen=True, slots=True)
class Status:
    name: str
    department: str
    title: str
    state: ConnectorState
    breaker: BreakerState
    health: Health
    recent: Summary


class Connectors:
    def __init__(self, connectors: Sequence[Connector], settings: ConnectorsSettings) -> None:
        self.settings = settings
        self._by_name = {connector.name: connector for connector in connectors}

    @classmethod
    def create(
        cls,
        settings: ConnectorsSettings,
        registry: CollectorRegistry | None = None,
        classes: Sequence[type[Connector]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Connectors:
        """One instance of every connector class (the discovered ones by default)."""
        classes = discover() if classes is None else classes
        metrics = ConnectorMetrics(registry) if registry is not None else None
        unknown = sorted(set(settings.named) - {c.name for c in classes})
        if unknown:
            log.warning("settings name no known connector", extra={"connectors": unknown})
        connectors = cls(
            [c(settings.of(c.name), metrics, transport=transport) for c in classes], settings
        )
        if metrics is not None:
            metrics.watch_breakers(connectors.breaker_states)
        return connectors

    def __iter__(self) -> Iterator[Connector]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __getitem__(self, name: str) -> Connector:
        return self._by_name[name]

    async def attach(self, crosswalk: Crosswalk, regions: Regions) -> None:
        """Give every connector its way to the unified grids; again when the registry moves."""
        for connector in self:
            connector.scheme = await connector.load_scheme(crosswalk, regions)

    async def watch(self, crosswalk: Crosswalk, regions: Regions, interval: float) -> None:
        """Attach again whenever the registry's revision moves; runs until cancelled."""
        seen = regions.revision
        while True:
            await asyncio.sleep(interval)
            if regions.revision != seen:
                seen = regions.revision
                try:
                    await self.attach(crosswalk, regions)
                except Exception:
                    log.exception("could not attach the connectors to the new registry")

    def call(self, scope: str) -> Call:
        return Call.within(self.settings.query_budget_seconds, scope)

    def breaker_states(self) -> list[tuple[str, BreakerState]]:
        return [(c.name, c.client.breaker.state) for c in self]

    def status(self, connector: Connector) -> Status:
        breaker = connector.client.breaker.state
        recent = connector.client.window.summary()
        return Status(
            name=connector.name,
            department=connector.department,
            title=connector.title,
            state=connector.state,
            breaker=breaker,
            health=_health(connector.state, breaker, recent),
            recent=recent,
        )

    async def aclose(self) -> None:
        for connector in self:
            await connector.aclose()


def _health(state: ConnectorState, breaker: BreakerState, recent: Summary) -> Health:
    if state is not ConnectorState.ENABLED:
        return Health.OFF
    if breaker is BreakerState.OPEN:
        return Health.DOWN
    if (
        breaker is BreakerState.HALF_OPEN
        or recent.error_rate >= DEGRADED_ERROR_RATE
        or recent.last_unusable
    ):
        return Health.DEGRADED
    return Health.UP


@dataclass
class UpstreamSession:
    connectors: Connectors
    index: Callable[[], Locator]  # the registry's index as it is now
    call: Call
    regions: Regions  # the registry's regions (the area models read community names)
    _loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)

    def loader(
        self, key: Hashable, make: Callable[[], DataLoader[Any, Any]]
    ) -> DataLoader[Any, Any]:
        """The request's loader for ``key``, made on first use."""
        found = self._loaders.get(key)
        if found is None:
            found = self._loaders[key] = make()
        return found
