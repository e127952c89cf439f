"""The seam between the event bus and department systems.

The bus hands a ``WorkOrder`` to the department's ``WorkOrderSink`` (its connector),
which creates the order in the department's own system and answers with an
``UpstreamRef``. The connector's ``ChangeFeed`` reports what happened upstream since a
cursor, in the department's own statuses; the bus maps those onto the unified
lifecycle with the mapping kept beside each connector.

Delivery is at least once, so ``create_work_order`` must be idempotent on
``WorkOrder.event_id``: a redelivered order returns the reference of the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from hub.core.personal import Personal


class LifecycleStatus(StrEnum):
    """The one lifecycle every grid event follows, whichever department handles it."""

    REPORTED = "REPORTED"
    ROUTED = "ROUTED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    VERIFIED = "VERIFIED"
    CLOSED = "CLOSED"
    RETURNED = "RETURNED"
    MERGED = "MERGED"
    SUSPENDED = "SUSPENDED"
    REOPENED = "REOPENED"


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    address: str | None = None
    grid_code: str | None = None  # the unified grid, when the hub has placed it


@dataclass(frozen=True, slots=True)
class WorkOrder:
    event_id: str  # ULID of the grid event; the idempotency key upstream
    department: str
    category: str  # taxonomy code
    title: str
    description: str
    location: Location
    deadline: datetime | None
    reporter_name: Personal | None = None
    reporter_phone: Personal | None = None
    photos: tuple[str, ...] = ()
    co_handlers: tuple[str, ...] = ()  # departments assisting the lead


@dataclass(frozen=True, slots=True)
class UpstreamRef:
    system: str  # the connector's name
    id: str  # the department system's own id for the order
    url: str | None = None


@dataclass(frozen=True, slots=True)
class UpstreamChange:
    """One change a department system reports about one of its records."""

    system: str
    upstream_id: str
    status: str  # the department's own status, e.g. 结案
    occurred_at: datetime
    event_id: str | None = None  # set when the record began as a hub work order
    note: str | None = None
    kind: str = "status"  # "created" for a new upstream record, "status" for a change
    record: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Feedback:
    """A reply owed to the person who reported a grid event (反馈)."""

    id: str  # the idempotency key: the same feedback twice is one reply
    event_id: str
    phone: Personal
    message: str


@runtime_checkable
class FeedbackSink(Protocol):
    """A system that can reply to reporters: the hotline (12345)."""

    async def send_feedback(self, feedback: Feedback) -> None:
        """Reply once per ``feedback.id``, however often asked."""
        ...


class WorkOrderRefusedError(Exception):
    """The department refused the order as not its business (退单); not worth retrying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WorkOrderSink(Protocol):
    @property
    def department(self) -> str: ...

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        """Create the order upstream, idempotently on ``order.event_id``.

        Raises WorkOrderRefusedError when the department refuses it; any other
        exception is transient and the caller retries.
        """
        ...


class ChangeFeed(Protocol):
    @property
    def name(self) -> str: ...

    async def changes(self, cursor: str | None) -> tuple[list[UpstreamChange], str | None]:
        """Changes since ``cursor`` (None: from the start), and the cursor to ask next."""
        ...
