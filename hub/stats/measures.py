"""What one grid event adds to the rollups: flows, each at the moment it happened.

An event's contribution is a pure function of its facts, so a change is applied as
(contribution after) − (contribution before): a reassignment moves the event to its
new department, a reopening takes its closure back, and applying the same facts
twice changes nothing.

    reported                    at the report
    closed, merged (exclusive)  at the closure / merge
    escalations                 at each escalation
    verified, verified_passed   at each verification
    rated, rating_sum           at the (latest) rating

A closure also counts whether it had a deadline and was resolved by it, its handling
time (report → resolution, or → closure when never resolved; sum and histogram
bucket) and whether it was settled in the grid (disposition IN_GRID, never
escalated). Times are on the hub's clock: wall-clock seconds times ``time_scale``,
so a demo running 240× faster counts demo hours. A grid worker's figures: each
patrol report they made, valid, a duplicate or invalid (see ``EventFacts``), at the
report; each
verification they made, timed from the resolution it checked, at the verification.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from enum import IntEnum

from hub.events import Channel, Disposition
from hub.stats.facts import EventFacts
from hub.stats.histogram import bucket_of


class Measure(IntEnum):
    """The counters of a rollup cell, by position; the column is the lower-case name."""

    REPORTED = 0
    CLOSED = 1
    MERGED = 2
    CLOSED_DUE = 3  # closures that had a deadline
    CLOSED_ON_TIME = 4
    HANDLING_SECONDS = 5
    ESCALATIONS = 6
    VERIFIED = 7
    VERIFIED_PASSED = 8
    RATED = 9
    RATING_SUM = 10
    CLOSED_IN_GRID = 11


class WorkerMeasure(IntEnum):
    REPORTS = 0
    VALID = 1
    INVALID = 2
    VERIFICATIONS = 3
    VERIFICATIONS_TIMED = 4  # the resolution they checked is known
    VERIFIED_IN_TIME = 5
    VERIFICATION_SECONDS = 6
    DUPLICATES = 7  # merged into an earlier report: the first reporter has the case
    GOOD_RATINGS = 8  # the events one reported rated GOOD_SCORE or better
    POOR_RATINGS = 9  # … rated POOR_SCORE or worse


GOOD_SCORE, POOR_SCORE = 4, 2  # of 1–5: 满意 and above; 不满意 and below


Counters = dict[int, int]  # by Measure or WorkerMeasure position
Flow = tuple[datetime, Counters, int | None]  # when, counters, handling-time bucket
WorkerFlow = tuple[datetime, str, Counters]  # when, who, counters


def flows(facts: EventFacts, time_scale: float = 1.0) -> Iterator[Flow]:
    yield facts.reported_at, {Measure.REPORTED: 1}, None
    if facts.merged_at is not None:
        yield facts.merged_at, {Measure.MERGED: 1}, None
    elif facts.closed_at is not None:
        yield _closure(facts, facts.closed_at, time_scale)
    for at in facts.escalations:
        yield at, {Measure.ESCALATIONS: 1}, None
    for check in facts.verifications:
        yield check.at, {Measure.VERIFIED: 1, Measure.VERIFIED_PASSED: int(check.passed)}, None
    if facts.rated_at is not None and facts.score is not None:
        yield facts.rated_at, {Measure.RATED: 1, Measure.RATING_SUM: facts.score}, None


def _closure(facts: EventFacts, closed_at: datetime, time_scale: float) -> Flow:
    done = facts.resolved_at or closed_at  # handled when resolved; closed straight away if not
    seconds = max(0, round((done - facts.reported_at).total_seconds() * time_scale))
    counters: Counters = {Measure.CLOSED: 1, Measure.HANDLING_SECONDS: seconds}
    if facts.deadline is not None:
        counters[Measure.CLOSED_DUE] = 1
        counters[Measure.CLOSED_ON_TIME] = int(done <= facts.deadline)
    if facts.disposition == Disposition.IN_GRID.value and not facts.escalations:
        counters[Measure.CLOSED_IN_GRID] = 1
    return closed_at, counters, bucket_of(seconds)


Timely = Callable[[datetime, datetime], bool]
"""Whether a verification at the second time checked a resolution at the first in time."""


def within_a_clock_day(resolved: datetime, verified: datetime) -> bool:
    """Timeliness without a working calendar: 24 hours."""
    return verified - resolved <= timedelta(days=1)


def worker_flows(
    facts: EventFacts, timely: Timely, time_scale: float = 1.0
) -> Iterator[WorkerFlow]:
    if facts.reporter is not None and facts.channel == Channel.PATROL.value:
        counters: Counters = {WorkerMeasure.REPORTS: 1}
        counters[WorkerMeasure.VALID] = int(facts.valid)
        counters[WorkerMeasure.INVALID] = int(facts.invalid)
        counters[WorkerMeasure.DUPLICATES] = int(facts.duplicate)
        yield facts.reported_at, facts.reporter, counters
    for check in facts.verifications:
        if check.actor is None:
            continue
        checked: Counters = {WorkerMeasure.VERIFICATIONS: 1}
        if check.delay is not None:
            delay = max(0, round(check.delay * time_scale))
            checked[WorkerMeasure.VERIFICATIONS_TIMED] = 1
            resolved = check.at - timedelta(seconds=check.delay)
            checked[WorkerMeasure.VERIFIED_IN_TIME] = int(timely(resolved, check.at))
            checked[WorkerMeasure.VERIFICATION_SECONDS] = delay
        yield check.at, check.actor, checked
    if facts.reporter is not None and facts.rated_at is not None and facts.score is not None:
        rated: Counters = {
            WorkerMeasure.GOOD_RATINGS: int(facts.score >= GOOD_SCORE),
            WorkerMeasure.POOR_RATINGS: int(facts.score <= POOR_SCORE),
        }
        yield facts.rated_at, facts.reporter, rated
