"""The lifecycle machine: every legal step, a sample of illegal ones, and what a stream
of steps in any order can and cannot do to the status."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import InvalidTransitionError
from hub.core.workorders import LifecycleStatus as S
from hub.events import GridEventType, OrderRole
from hub.events.lifecycle import OPEN, TRANSITIONS, after, allowed, check, check_escalation

LEGAL = [(current, target) for current, targets in TRANSITIONS.items() for target in targets]
ILLEGAL = [
    (S.REPORTED, S.ACCEPTED),  # nobody was asked yet
    (S.REPORTED, S.RESOLVED),
    (S.ACCEPTED, S.ROUTED),  # a late routed after the department took it
    (S.IN_PROGRESS, S.ACCEPTED),
    (S.RESOLVED, S.IN_PROGRESS),  # a late progress note after resolution
    (S.RESOLVED, S.ACCEPTED),
    (S.VERIFIED, S.RESOLVED),
    (S.CLOSED, S.REOPENED),  # archived is final
    (S.CLOSED, S.IN_PROGRESS),
    (S.MERGED, S.IN_PROGRESS),  # a duplicate only follows its primary
    (S.REOPENED, S.VERIFIED),  # it must be resolved again first
    (S.RETURNED, S.ACCEPTED),  # re-routed first (改派)
    (S.SUSPENDED, S.RESOLVED),  # resumed first
]
RESTATED = [S.ACCEPTED, S.IN_PROGRESS, S.MERGED, S.SUSPENDED, S.VERIFIED]
HAPPY_PATH = [S.ROUTED, S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.VERIFIED, S.CLOSED]


def test_every_status_has_a_row() -> None:
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.CLOSED] == frozenset()


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_legal_steps_are_taken(current: S, target: S) -> None:
    assert check(current, target) is target
    assert after(current, GridEventType.PROGRESSED, target) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_steps_are_refused_naming_the_current_status(current: S, target: S) -> None:
    assert not allowed(current, target)
    with pytest.raises(InvalidTransitionError) as refused:
        check(current, target)
    assert refused.value.current is current
    assert after(current, GridEventType.PROGRESSED, target) is current  # from the bus: kept


@pytest.mark.parametrize("status", RESTATED)
def test_a_restated_status_moves_nothing_but_is_no_persons_step(status: S) -> None:
    assert after(status, GridEventType.PROGRESSED, status) is status
    with pytest.raises(InvalidTransitionError):
        check(status, status)  # merging a merged event, suspending a suspended one


def test_the_happy_path_and_the_side_paths_are_legal() -> None:
    paths = [
        [S.REPORTED, *HAPPY_PATH],
        [S.REPORTED, S.ROUTED, S.RETURNED, S.ROUTED, S.ACCEPTED],  # 退单 → 改派
        [S.REPORTED, S.ROUTED, S.MERGED, S.RESOLVED, S.CLOSED],  # with its primary
        [S.ACCEPTED, S.SUSPENDED, S.ACCEPTED],  # 挂账, resumed
        [S.RESOLVED, S.REOPENED, S.IN_PROGRESS, S.RESOLVED],  # failed verification
        [S.VERIFIED, S.REOPENED, S.ACCEPTED],  # rated unresolved
        [S.ROUTED, S.RESOLVED],  # settled in the grid
    ]
    for path in paths:
        for current, target in pairwise(path):
            assert allowed(current, target), (current, target)


@pytest.mark.parametrize("status", sorted(OPEN))
def test_escalation_is_allowed_while_open_and_moves_nothing(status: S) -> None:
    assert check_escalation(status) is status
    assert after(status, GridEventType.ESCALATED, S.CLOSED) is status


@pytest.mark.parametrize("status", [S.RESOLVED, S.VERIFIED, S.CLOSED, S.MERGED])
def test_escalation_of_a_handled_event_is_refused(status: S) -> None:
    with pytest.raises(InvalidTransitionError):
        check_escalation(status)


def test_a_co_handlers_order_moves_nothing() -> None:
    assert after(S.ROUTED, GridEventType.ACCEPTED, S.ACCEPTED, OrderRole.CO) is S.ROUTED
    assert after(S.ROUTED, GridEventType.ACCEPTED, S.ACCEPTED, OrderRole.LEAD) is S.ACCEPTED


steps = st.lists(st.sampled_from(list(S)), max_size=30)


@given(steps)
def test_no_stream_of_steps_leaves_the_table(stream: list[S]) -> None:
    """Whatever arrives, in whatever order, each status reached is a legal step away."""
    status = S.REPORTED
    for target in stream:
        following = after(status, GridEventType.PROGRESSED, target)
        assert following is status or following in TRANSITIONS[status]
        status = following


@given(steps)
def test_nothing_leaves_closed(stream: list[S]) -> None:
    status = S.CLOSED
    for target in stream:
        status = after(status, GridEventType.PROGRESSED, target)
    assert status is S.CLOSED


@given(st.permutations(HAPPY_PATH))
def test_the_happy_path_in_any_order_never_goes_backwards(order: list[S]) -> None:
    """Out-of-order delivery may stall the status, but never pulls it back."""
    rank = {s: n for n, s in enumerate([S.REPORTED, *HAPPY_PATH])}
    status = S.REPORTED
    for target in order:
        following = after(status, GridEventType.PROGRESSED, target)
        assert rank[following] >= rank[status]
        status = following
