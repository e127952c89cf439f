"""A serving process freezes what start-up built and collects the young less often."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.cli.heap import MIDDLE, OLD, YOUNG, settle_heap


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    """The test process's collector as it was, whatever the test does to it."""
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector can free it


async def test_what_start_up_built_is_frozen_and_its_garbage_collected_first() -> None:
    built: list[list[int]] = [[] for _ in range(1000)]  # each list is tracked by the collector
    garbage = Node()
    dropped = weakref.ref(garbage)
    del garbage
    before = gc.get_freeze_count()
    await settle_heap()
    assert gc.get_freeze_count() >= before + len(built)
    assert dropped() is None  # collected, not frozen for the life of the process
    assert gc.get_threshold() == (YOUNG, MIDDLE, OLD)
