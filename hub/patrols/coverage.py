"""Coverage: for a plan and one period of its routine, whether the patrol was done,
late, missed or is still due, and which checkpoints no patrol of the period reached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.patrols.plans import Plan
from hub.patrols.routines import Window


class PatrolStatus(StrEnum):
    DONE = "DONE"  # a patrol ended by the time it was due
    LATE = "LATE"  # the first ended after it was due, inside the period
    MISSED = "MISSED"  # the period ended with no patrol ended in it
    DUE = "DUE"  # the period runs, and no patrol has ended yet


@dataclass(frozen=True, slots=True)
class CheckIn:
    at: datetime
    lat: float
    lon: float
    micro_grid: str | None


@dataclass(frozen=True, slots=True)
class Patrol:
    id: str
    grid: str
    routine: str
    worker: str
    worker_name: str
    started_at: datetime
    ended_at: datetime | None
    check_ins: tuple[CheckIn, ...] = ()
    events: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Coverage:
    plan: Plan
    window: Window
    status: PatrolStatus
    patrols: tuple[Patrol, ...]
    unreached: tuple[str, ...]  # checkpoints no patrol of the period checked in at


def coverage(plan: Plan, window: Window, patrols: Sequence[Patrol], now: datetime) -> Coverage:
    """``patrols``: the plan's grid and routine's, started in the window."""
    ended = sorted(p.ended_at for p in patrols if p.ended_at and p.ended_at < window.end)
    if ended and ended[0] <= window.due:
        status = PatrolStatus.DONE
    elif ended:
        status = PatrolStatus.LATE
    elif now >= window.end:
        status = PatrolStatus.MISSED
    else:
        status = PatrolStatus.DUE
    reached = {c.micro_grid for p in patrols for c in p.check_ins}
    unreached = tuple(code for code in plan.checkpoints if code not in reached)
    return Coverage(plan, window, status, tuple(patrols), unreached)
