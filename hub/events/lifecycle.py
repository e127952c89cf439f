"""The lifecycle state machine every grid event follows, whoever takes the step.

The table says which status may follow which. Steps from the hub's own mutations are
checked against it before anything is written (an illegal one is refused); steps that
arrive over the bus (a department's feed, the router) are applied when legal, and
otherwise go on the timeline without moving the status: a late ``accepted`` after
``resolved`` cannot pull the event back.

Some steps never move the status, whatever their payload says: an escalation (督办,
allowed while the event is open) and a co-handler's order (协办). A step from the bus
that restates the current status (a second progress note) is legal and moves nothing;
a person's step (``check``) must be a step of the table.

The machine judges statuses only; who may take a step is for the graph's scopes.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.core.errors import InvalidTransitionError
from hub.core.workorders import LifecycleStatus
from hub.events.types import GridEventType, OrderRole

REPORTED = LifecycleStatus.REPORTED
ROUTED = LifecycleStatus.ROUTED
ACCEPTED = LifecycleStatus.ACCEPTED
IN_PROGRESS = LifecycleStatus.IN_PROGRESS
RESOLVED = LifecycleStatus.RESOLVED
VERIFIED = LifecycleStatus.VERIFIED
CLOSED = LifecycleStatus.CLOSED
RETURNED = LifecycleStatus.RETURNED
MERGED = LifecycleStatus.MERGED
SUSPENDED = LifecycleStatus.SUSPENDED
REOPENED = LifecycleStatus.REOPENED

TRANSITIONS: Mapping[LifecycleStatus, frozenset[LifecycleStatus]] = {
    # from          to
    REPORTED: frozenset({ROUTED, MERGED, SUSPENDED}),
    ROUTED: frozenset({ROUTED, ACCEPTED, IN_PROGRESS, RESOLVED, RETURNED, MERGED, SUSPENDED}),
    ACCEPTED: frozenset({IN_PROGRESS, RESOLVED, RETURNED, MERGED, SUSPENDED}),
    IN_PROGRESS: frozenset({RESOLVED, RETURNED, MERGED, SUSPENDED}),
    RETURNED: frozenset({ROUTED, MERGED, SUSPENDED}),  # 退单 → 改派
    REOPENED: frozenset({ACCEPTED, IN_PROGRESS, RESOLVED, RETURNED, SUSPENDED}),
    SUSPENDED: frozenset({REPORTED, ROUTED, ACCEPTED, IN_PROGRESS, RETURNED, REOPENED}),  # resumed
    RESOLVED: frozenset({VERIFIED, REOPENED, CLOSED}),
    VERIFIED: frozenset({CLOSED, REOPENED}),
    MERGED: frozenset({RESOLVED, CLOSED}),  # with its primary
    CLOSED: frozenset(),  # archived
}
"""Which status may follow which; a status not listed as a key has no way out."""

OPEN = frozenset({REPORTED, ROUTED, ACCEPTED, IN_PROGRESS, RETURNED, REOPENED, SUSPENDED})
"""Statuses of events still waiting for someone to act: escalation applies to these."""

STILL = frozenset({GridEventType.ESCALATED, GridEventType.WARNED, GridEventType.SUPERVISED})
"""Step types that never move the status."""


def allowed(current: LifecycleStatus, target: LifecycleStatus) -> bool:
    """Whether ``target`` may follow ``current``; restating the current status may."""
    return target == current or target in TRANSITIONS.get(current, frozenset())


def check(current: LifecycleStatus, target: LifecycleStatus) -> LifecycleStatus:
    """``target``, or InvalidTransitionError unless the table lists it after ``current``.

    Stricter than ``allowed``: a person's step must be a step of the table, so merging
    a merged event or suspending a suspended one is refused, not restated."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransitionError(current, target.value)
    return target


def check_escalation(current: LifecycleStatus) -> LifecycleStatus:
    """The status after an escalation: unchanged, and only while the event is open."""
    if current not in OPEN:
        raise InvalidTransitionError(current, "an escalation")
    return current


def after(
    current: LifecycleStatus,
    step_type: GridEventType,
    target: LifecycleStatus,
    role: OrderRole = OrderRole.LEAD,
) -> LifecycleStatus:
    """The status after a step from the bus: ``target`` if legal, else ``current``."""
    if step_type in STILL or role is OrderRole.CO:
        return current
    return target if allowed(current, target) else current
