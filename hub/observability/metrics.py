"""Prometheus metrics, in a registry of the app's own so several apps can share a process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from hub.observability.logs import HELD

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True, slots=True)
class OperationMeters:
    """One operation's series of the GraphQL metrics. A subscription observes every update
    its stream makes (once for a stream its subscribers share), and ``labels()`` takes a
    lock and builds a key on each call: looked up once, they are kept."""

    latency: Histogram
    ok: Counter
    failed: Counter


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.graphql_requests = Counter(
            "hub_graphql_requests",
            "GraphQL operations served",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.graphql_latency = Histogram(
            "hub_graphql_request_duration_seconds",
            "GraphQL operation latency",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.graphql_errors = Counter(
            "hub_graphql_errors",
            "GraphQL errors by code",
            ["operation", "code"],
            registry=self.registry,
        )
        self.http_requests = Counter(
            "hub_http_requests",
            "HTTP requests by route and status",
            ["route", "method", "status"],
            registry=self.registry,
        )

        self.bus_records = Counter(
            "hub_bus_records",
            "Records consumed from the bus, by consumer group and outcome",
            ["group", "outcome"],
            registry=self.registry,
        )
        self.bus_batch_latency = Histogram(
            "hub_bus_batch_duration_seconds",
            "Time to handle and commit one batch, by consumer group",
            ["group"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        self.bus_broker_up = Gauge(
            "hub_bus_broker_up",
            "1 while the bus's broker answers the hub's probe, 0 while it does not",
            registry=self.registry,
        )
        self.bus_broker_outages = Counter(
            "hub_bus_broker_outages",
            "Times the bus's broker stopped answering the hub's probe",
            registry=self.registry,
        )
        self.bus_partitions_held = Gauge(
            "hub_bus_partitions_held",
            "Partitions of the hub's topics an open transaction has held too long (readers wait)",
            registry=self.registry,
        )
        self.subscription_streams = Gauge(
            "hub_subscription_streams",
            "Subscription streams open in this process that subscribers alike share",
            registry=self.registry,
        )
        self.subscription_followers = Gauge(
            "hub_subscription_followers",
            "Subscribers following a shared subscription stream in this process",
            registry=self.registry,
        )
        self.registry.register(_HeldLines())
        self._operations: dict[str, OperationMeters] = {}

    def graphql_operation(self, name: str) -> OperationMeters:
        """The series of the operation called ``name``, kept as long as Prometheus keeps them
        (the schema clips a client's operation name to 64 characters)."""
        meters = self._operations.get(name)
        if meters is None:
            meters = self._operations[name] = OperationMeters(
                self.graphql_latency.labels(name),
                self.graphql_requests.labels(name, "ok"),
                self.graphql_requests.labels(name, "error"),
            )
        return meters

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _HeldLines(Collector):
    """Log lines a noisy library wrote that the log held back (``logs.Repeats``): the
    log says each kind once a minute, and this counts every one, per logger."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "hub_log_lines_held", "Repeated log lines held back, by logger", labels=["logger"]
        )
        for logger, count in sorted(HELD.items()):
            family.add_metric([logger], count)
        yield family
