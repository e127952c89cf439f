"""Facts folded from steps, and what they add to the rollups: pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.events import Disposition
from hub.stats import Period
from hub.stats.facts import EventFacts, Step
from hub.stats.measures import Measure, WorkerMeasure, flows, within_a_clock_day, worker_flows
from hub.stats.recorder import fold
from hub.stats.rollup import Delta, Dimension
from tests.support.lifecycle import Story, hours

GRID = "330199001001001"
T0 = datetime(2026, 11, 2, 1, tzinfo=UTC)


def facts_of(story: Story, known: dict[str, EventFacts] | None = None) -> EventFacts:
    return fold(known or {}, [Step.of(e) for e in story.events])[story.event_id]


def totals(facts: EventFacts) -> dict[Measure, int]:
    found = dict.fromkeys(Measure, 0)
    for _, counters, _ in flows(facts):
        for index, value in counters.items():
            found[Measure(index)] += value
    return found


def handled(disposition: Disposition = Disposition.SINGLE) -> Story:
    story = Story(GRID, "city.litter").reported(T0, actor="worker:a")
    story.routed(T0, "citymgmt", T0 + hours(10), disposition)
    return story.resolved(T0 + hours(9))


def test_a_closure_is_on_time_by_its_resolution_not_its_closing() -> None:
    facts = facts_of(handled().closed(T0 + hours(30)))
    found = totals(facts)
    assert (found[Measure.CLOSED], found[Measure.CLOSED_DUE], found[Measure.CLOSED_ON_TIME]) == (
        1,
        1,
        1,
    )
    assert found[Measure.HANDLING_SECONDS] == 9 * 3600


def test_handling_times_are_on_the_hubs_clock() -> None:
    # A demo at 240x: 9 wall-clock minutes from report to resolution are 36 demo hours,
    # and a check 15 wall-clock minutes after the resolution is 60 demo hours late.
    story = Story(GRID, "city.litter").reported(T0, actor="worker:a")
    story.routed(T0, "citymgmt", T0 + hours(1), Disposition.SINGLE)
    story.resolved(T0 + hours(9 / 60)).verified(T0 + hours(24 / 60), True, actor="worker:b")
    facts = facts_of(story.closed(T0 + hours(24 / 60)))
    handling = dict.fromkeys(Measure, 0)
    for _, counters, _ in flows(facts, time_scale=240):
        for index, value in counters.items():
            handling[Measure(index)] += value
    assert handling[Measure.HANDLING_SECONDS] == 36 * 3600
    checks = [c for _, who, c in worker_flows(facts, within_a_clock_day, 240) if who == "worker:b"]
    assert checks[0][WorkerMeasure.VERIFICATION_SECONDS] == 60 * 3600


def test_reopening_takes_the_closure_back() -> None:
    story = handled().closed(T0 + hours(10))
    closed = facts_of(story)
    story.verified(T0 + hours(11), False, actor="worker:a")  # status REOPENED
    reopened = facts_of(story)
    assert totals(closed)[Measure.CLOSED] == 1
    assert totals(reopened)[Measure.CLOSED] == 0
    assert totals(reopened)[Measure.VERIFIED] == 1


def test_a_step_seen_twice_changes_nothing() -> None:
    story = handled()
    once = facts_of(story)
    assert fold({once.event_id: once}, [Step.of(e) for e in story.events])[once.event_id] == once


def test_an_escalated_event_was_not_settled_in_the_grid() -> None:
    quiet = facts_of(handled(Disposition.IN_GRID).closed(T0 + hours(10)))
    loud = facts_of(handled(Disposition.IN_GRID).escalated(T0 + hours(5), 2).closed(T0 + hours(10)))
    assert totals(quiet)[Measure.CLOSED_IN_GRID] == 1
    assert totals(loud)[Measure.CLOSED_IN_GRID] == 0
    assert totals(loud)[Measure.ESCALATIONS] == 1


def test_a_reassignment_moves_the_event_between_departments() -> None:
    story = Story(GRID, "city.litter").reported(T0)
    story.routed(T0, "citymgmt", T0 + hours(10), Disposition.SINGLE)
    before = facts_of(story)
    story.routed(T0 + hours(1), "police", T0 + hours(10), Disposition.SINGLE)
    delta = Delta(within_a_clock_day)
    delta.change(before, facts_of(story, {before.event_id: before}))
    moved = {
        key: tally.values[Measure.REPORTED]
        for key, tally in delta.cells().items()
        if key[0] is Period.DAY and key[1] is Dimension.DEPARTMENT
    }
    day = date(2026, 11, 2)
    assert moved == {
        (Period.DAY, Dimension.DEPARTMENT, day, GRID, "citymgmt"): -1,
        (Period.DAY, Dimension.DEPARTMENT, day, GRID, "police"): 1,
    }
    assert all(key[1] is Dimension.DEPARTMENT for key in delta.cells())  # ALL is unchanged


def test_a_grid_worker_is_credited_with_reports_and_timely_verifications() -> None:
    story = handled().verified(T0 + hours(10), True, actor="worker:b")
    found = list(worker_flows(facts_of(story), within_a_clock_day))
    assert [(who, counters) for _, who, counters in found] == [
        (
            "worker:a",
            {
                WorkerMeasure.REPORTS: 1,
                WorkerMeasure.VALID: 1,
                WorkerMeasure.INVALID: 0,
                WorkerMeasure.DUPLICATES: 0,
            },
        ),
        (
            "worker:b",
            {
                WorkerMeasure.VERIFICATIONS: 1,
                WorkerMeasure.VERIFICATIONS_TIMED: 1,
                WorkerMeasure.VERIFIED_IN_TIME: 1,
                WorkerMeasure.VERIFICATION_SECONDS: 3600,
            },
        ),
    ]
