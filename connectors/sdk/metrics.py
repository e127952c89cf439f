"""Prometheus metrics of upstream calls, in the hub's own metrics registry.

Breaker states are read when Prometheus scrapes, from the breakers themselves, so the
gauge can never disagree with what ``Query.connectors`` says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from connectors.sdk.breaker import BreakerState

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BREAKER_VALUE = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


class ConnectorMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "hub_upstream_calls",
            "Upstream HTTP attempts by connector and outcome",
            ["connector", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "hub_upstream_call_duration_seconds",
            "Upstream HTTP attempt latency",
            ["connector"],
            buckets=BUCKETS,
            registry=registry,
        )
        self.violations = Counter(
            "hub_upstream_contract_violations",
            "Upstream answers that broke the connector's contract, by connector",
            ["connector"],
            registry=registry,
        )
        self._registry = registry

    def observe(self, connector: str, outcome: str, seconds: float) -> None:
        self.calls.labels(connector, outcome).inc()
        self.latency.labels(connector).observe(seconds)

    def watch_breakers(self, states: Callable[[], Iterable[tuple[str, BreakerState]]]) -> None:
        self._registry.register(_BreakerCollector(states))


class _BreakerCollector(Collector):
    def __init__(self, states: Callable[[], Iterable[tuple[str, BreakerState]]]) -> None:
        self._states = states

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "hub_upstream_breaker_state",
            "Circuit breaker per connector: 0 closed, 1 half-open, 2 open",
            labels=["connector"],
        )
        for name, state in self._states():
            gauge.add_metric([name], BREAKER_VALUE[state])
        yield gauge
