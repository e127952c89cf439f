"""What the statistics need to know about one grid event, folded from its steps.

The facts are a small, order-tolerant summary: a late ``accepted`` after ``closed``
changes nothing, only a step whose status is REOPENED takes a closure back. Steps
that carry an ``actor`` (the principal who took them: the reporter of ``reported``,
the grid worker of ``verified``) name who did it; without one the step still counts,
but for nobody in the grid-worker figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from hub.bus import CloudEvent
from hub.core.jsonbody import decode_json
from hub.core.workorders import LifecycleStatus
from hub.events import GridEventType, OrderRole

UNASSIGNED = ""  # the department of an event not yet routed


@dataclass(frozen=True, slots=True)
class Step:
    """One lifecycle step, read from the bus (a CloudEvent) or from the ledger's timeline.

    ``data`` is the step's data as on the wire (camelCase); only the few fields the
    statistics need are read from it, so both sources give the same facts.
    """

    id: str  # the CloudEvent's id
    event_id: str
    type: GridEventType
    status: LifecycleStatus
    at: datetime
    grid: str
    data: Mapping[str, Any]

    @classmethod
    def of(cls, event: CloudEvent) -> Step:
        data = decode_json(event.data)
        return cls(
            id=event.id,
            event_id=data["eventId"],
            type=GridEventType(event.type),
            status=LifecycleStatus(data["status"]),
            at=event.time,
            grid=event.gridid,
            data=data,
        )

    @property
    def actor(self) -> str | None:
        """Who took the step, when the step names its principal."""
        value = self.data.get("actor")
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Verification:
    at: datetime
    passed: bool
    actor: str | None
    delay: float | None  # seconds since the resolution it checked, when that is known


@dataclass(frozen=True, slots=True)
class EventFacts:
    event_id: str
    grid: str
    category: str
    channel: str
    reported_at: datetime
    reporter: str | None = None
    department: str = UNASSIGNED  # the lead, as it stands
    disposition: str | None = None
    routed: bool = False
    deadline: datetime | None = None
    escalations: tuple[datetime, ...] = ()
    resolved_at: datetime | None = None
    verifications: tuple[Verification, ...] = ()
    rated_at: datetime | None = None
    score: int | None = None
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    steps: tuple[str, ...] = ()  # the steps applied, for idempotence

    @property
    def valid(self) -> bool:
        """A real case: routed to someone, not merged away as a duplicate."""
        return self.routed and self.merged_at is None

    @property
    def duplicate(self) -> bool:
        """Merged into another report of the same matter (并单): the other has the case."""
        return self.merged_at is not None

    @property
    def invalid(self) -> bool:
        """Closed without ever being routed (a report found groundless)."""
        return self.merged_at is None and self.closed_at is not None and not self.routed


def reported(step: Step) -> EventFacts:
    data = step.data
    return EventFacts(
        event_id=step.event_id,
        grid=step.grid,
        category=data["category"],
        channel=data["channel"],
        reported_at=_time(data.get("reportedAt")) or step.at,
        reporter=step.actor,
        steps=(step.id,),
    )


def advance(facts: EventFacts, step: Step) -> EventFacts:
    """The facts after one later step."""
    changes: dict[str, Any] = {"steps": (*facts.steps, step.id)}
    changes.update(_TYPE_CHANGES.get(step.type, _nothing)(facts, step))
    changes.update(_status_changes(facts, step.status, step.at))
    return replace(facts, **changes)


def _nothing(facts: EventFacts, step: Step) -> dict[str, Any]:
    return {}


def _routed(facts: EventFacts, step: Step) -> dict[str, Any]:
    data = step.data
    deadline = _time(data.get("deadline")) or facts.deadline
    return {
        "routed": True,
        "department": data["lead"],
        "disposition": data["disposition"],
        "deadline": deadline,
    }


def _accepted(facts: EventFacts, step: Step) -> dict[str, Any]:
    if step.data.get("role") != OrderRole.LEAD.value:
        return {}
    return {"department": step.data["department"]}


def _escalated(facts: EventFacts, step: Step) -> dict[str, Any]:
    return {"escalations": (*facts.escalations, step.at)}


def _verified(facts: EventFacts, step: Step) -> dict[str, Any]:
    resolved = facts.resolved_at
    delay = (step.at - resolved).total_seconds() if resolved is not None else None
    check = Verification(step.at, bool(step.data["passed"]), step.actor, delay)
    return {"verifications": (*facts.verifications, check)}


def _rated(facts: EventFacts, step: Step) -> dict[str, Any]:
    return {"rated_at": step.at, "score": int(step.data["score"])}


def _merged(facts: EventFacts, step: Step) -> dict[str, Any]:
    return {"merged_at": facts.merged_at or step.at}


_TYPE_CHANGES = {
    GridEventType.ROUTED: _routed,
    GridEventType.ACCEPTED: _accepted,
    GridEventType.ESCALATED: _escalated,
    GridEventType.VERIFIED: _verified,
    GridEventType.RATED: _rated,
    GridEventType.MERGED: _merged,
}


def _status_changes(facts: EventFacts, status: LifecycleStatus, at: datetime) -> dict[str, Any]:
    if status is LifecycleStatus.RESOLVED:
        return {"resolved_at": at}
    if status is LifecycleStatus.CLOSED:
        return {"closed_at": facts.closed_at or at}
    if status is LifecycleStatus.REOPENED:
        return {"closed_at": None}
    return {}


# -- storage ---------------------------------------------------------------------------

_FIELDS = tuple(f.name for f in fields(EventFacts))
_VERIFICATION_FIELDS = tuple(f.name for f in fields(Verification))
_TIMES = ("reported_at", "deadline", "resolved_at", "rated_at", "closed_at", "merged_at")


def to_json(facts: EventFacts) -> dict[str, Any]:
    # Field by field: dataclasses.asdict deep-copies every value, a sixth of the
    # statistics' cost a step when it was used here.
    data = _shallow(facts, _FIELDS)
    for name in _TIMES:
        data[name] = _text(data[name])
    data["escalations"] = [_text(at) for at in facts.escalations]
    data["verifications"] = [
        {**_shallow(v, _VERIFICATION_FIELDS), "at": _text(v.at)} for v in facts.verifications
    ]
    data["steps"] = list(facts.steps)
    return data


def from_json(data: dict[str, Any]) -> EventFacts:
    values = dict(data)
    for name in _TIMES:
        values[name] = _time(values[name])
    values["escalations"] = tuple(_time(at) for at in data["escalations"])
    values["verifications"] = tuple(
        Verification(**{**v, "at": _time(v["at"])}) for v in data["verifications"]
    )
    values["steps"] = tuple(data["steps"])
    return EventFacts(**values)


def _shallow(value: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(value, name) for name in names}


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
