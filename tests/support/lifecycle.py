"""One grid event's lifecycle as CloudEvents at chosen times, for feeding the projection.

Steps may name who took them (``actor``), as the statistics read it from the data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from hub.bus import CloudEvent, derived_id, new_id
from hub.core.workorders import LifecycleStatus
from hub.events import (
    Channel,
    Disposition,
    GridEventType,
    OrderRole,
    OriginKind,
    Severity,
    TimeUnit,
)
from hub.events.payloads import (
    Accepted,
    Escalated,
    Merged,
    Origin,
    Place,
    Progressed,
    Rated,
    Reported,
    Routed,
    TimeLimit,
    Upstream,
    Verified,
)

LIMIT = TimeLimit(value=24, unit=TimeUnit.HOURS)
S = LifecycleStatus


@dataclass
class Story:
    grid: str
    category: str
    channel: Channel = Channel.PATROL
    event_id: str = field(default_factory=new_id)
    events: list[CloudEvent] = field(default_factory=list)

    def _add(self, kind: GridEventType, at: datetime, model: BaseModel, actor: str | None) -> Story:
        data: dict[str, Any] = json.loads(model.model_dump_json(by_alias=True, exclude_none=True))
        if actor is not None:
            data["actor"] = actor
        salt = f"{kind}:{len(self.events)}"
        self.events.append(
            CloudEvent(
                id=self.event_id
                if kind == GridEventType.REPORTED
                else derived_id(self.event_id, salt),
                type=kind,
                source="/test",
                time=at,
                gridid=self.grid,
                subject=self.event_id,
                data=json.dumps(data).encode(),
            )
        )
        return self

    def _common(self, status: LifecycleStatus) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "status": status,
            "category": self.category,
            "severity": Severity.LOW,
        }

    def reported(self, at: datetime, actor: str | None = None) -> Story:
        data = Reported(
            **self._common(S.REPORTED),
            title="t",
            description="d",
            channel=self.channel,
            place=Place(lat=30.31, lon=120.05),
            reported_at=at,
            level=1,
            time_limit=LIMIT,
            origin=Origin(kind=OriginKind.REPORT),
        )
        return self._add(GridEventType.REPORTED, at, data, actor)

    def routed(
        self, at: datetime, lead: str, deadline: datetime, disposition: Disposition
    ) -> Story:
        data = Routed(
            **self._common(S.ROUTED),
            disposition=disposition,
            lead=lead,
            time_limit=LIMIT,
            deadline=deadline,
        )
        return self._add(GridEventType.ROUTED, at, data, None)

    def accepted(self, at: datetime, department: str) -> Story:
        data = Accepted(
            **self._common(S.ACCEPTED),
            department=department,
            role=OrderRole.LEAD,
            upstream=Upstream(system="sys", id=self.event_id),
        )
        return self._add(GridEventType.ACCEPTED, at, data, None)

    def escalated(self, at: datetime, level: int) -> Story:
        data = Escalated(**self._common(S.IN_PROGRESS), level=level)
        return self._add(GridEventType.ESCALATED, at, data, None)

    def resolved(self, at: datetime) -> Story:
        return self._add(GridEventType.RESOLVED, at, Progressed(**self._common(S.RESOLVED)), None)

    def verified(self, at: datetime, passed: bool, actor: str | None = None) -> Story:
        status = S.VERIFIED if passed else S.REOPENED
        return self._add(
            GridEventType.VERIFIED, at, Verified(**self._common(status), passed=passed), actor
        )

    def rated(self, at: datetime, score: int) -> Story:
        return self._add(
            GridEventType.RATED, at, Rated(**self._common(S.VERIFIED), score=score), None
        )

    def closed(self, at: datetime) -> Story:
        return self._add(GridEventType.CLOSED, at, Progressed(**self._common(S.CLOSED)), None)

    def merged(self, at: datetime, into: str) -> Story:
        return self._add(
            GridEventType.MERGED, at, Merged(**self._common(S.MERGED), into=into), None
        )


def hours(value: float) -> timedelta:
    return timedelta(hours=value)
