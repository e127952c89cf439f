"""The ledger's records, independent of storage and of the graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.core.personal import Personal
from hub.core.workorders import LifecycleStatus
from hub.events.types import Channel, Disposition, GridEventType, OrderRole, Severity


@dataclass(frozen=True, slots=True)
class GridEventRecord:
    id: str
    category: str
    title: str
    description: str
    channel: Channel
    severity: Severity
    level: int
    status: LifecycleStatus
    disposition: Disposition | None
    lead_department: str | None
    co_departments: tuple[str, ...]
    grid_code: str
    micro_grid_code: str | None
    lat: float
    lon: float
    address: Personal | None
    reporter_name: Personal | None
    reporter_phone: Personal | None
    photos: tuple[str, ...]
    origin: dict[str, Any]
    time_limit: dict[str, Any]
    deadline: datetime | None
    merged_into: str | None
    reported_at: datetime
    updated_at: datetime
    version: int

    @property
    def departments(self) -> list[str]:
        lead = [self.lead_department] if self.lead_department else []
        return lead + list(self.co_departments)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: str  # the CloudEvent's id
    event_id: str
    version: int
    type: GridEventType
    status: LifecycleStatus
    occurred_at: datetime
    source: str
    department: str | None
    note: str | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    event_id: str
    department: str
    role: OrderRole
    upstream_system: str
    upstream_id: str
    upstream_url: str | None
    accepted_at: datetime
