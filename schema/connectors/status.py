"""``Query.connectors``: each connector's state, health and recent behaviour."""

from __future__ import annotations

import strawberry

from connectors.sdk import BreakerState, ConnectorState, Health, Status
from schema.context import Info

strawberry.enum(
    BreakerState,
    description="Closed: calls pass. Open: they fail at once. Half-open: one probe call decides.",
)
strawberry.enum(ConnectorState, description="Whether the settings let the connector work.")
strawberry.enum(
    Health,
    description="UP, DEGRADED (half-open or many recent errors), DOWN "
    "(breaker open) or OFF (disabled or not configured).",
)


@strawberry.type(description="A connector to a department system, as this hub replica sees it.")
class ConnectorStatus:
    name: str
    department: str
    title: str
    state: ConnectorState
    health: Health
    breaker: BreakerState
    recent_calls: int = strawberry.field(description="Calls in the recent window.")
    error_rate: float = strawberry.field(description="Share of recent calls that failed, 0–1.")
    latency_p50_ms: float | None = strawberry.field(description="Median recent call, in ms.")
    latency_p95_ms: float | None = strawberry.field(description="95th percentile, in ms.")

    @classmethod
    def of(cls, status: Status) -> ConnectorStatus:
        return cls(
            name=status.name,
            department=status.department,
            title=status.title,
            state=status.state,
            health=status.health,
            breaker=status.breaker,
            recent_calls=status.recent.calls,
            error_rate=status.recent.error_rate,
            latency_p50_ms=status.recent.p50_ms,
            latency_p95_ms=status.recent.p95_ms,
        )


@strawberry.type
class ConnectorsQuery:
    @strawberry.federation.field(
        description="Every connector to a department system, by name.",
        requires_scopes=[["connectors:read"]],
    )
    def connectors(self, info: Info) -> list[ConnectorStatus]:
        connectors = info.context.services.connectors
        return [ConnectorStatus.of(connectors.status(c)) for c in connectors]
