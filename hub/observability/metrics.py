"""Prometheus metrics, in a registry of the app's own so several apps can share a process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


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

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
