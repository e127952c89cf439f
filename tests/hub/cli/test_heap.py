"""A serving process freezes what start-up built and collects the young less often; on
glibc it keeps two malloc arenas and gives what start-up freed back to the system."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref
from collections.abc import Iterator

import pytest

from hub.cli.heap import ARENAS, MIDDLE, OLD, YOUNG, _glibc, settle_heap

glibc_only = pytest.mark.skipif(_glibc() is None, reason="mallopt and malloc_trim are glibc's")


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


def python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout + done.stderr


# Six threads allocate at once (blocks too large for Python's own small-object
# allocator), then glibc's malloc_stats prints one "Arena N:" section per arena.
THREADS_ALLOCATING = """
    import ctypes, sys, threading
    from hub.cli.heap import limit_arenas
    if sys.argv[1] == "limited":
        limit_arenas()
    together = threading.Barrier(6)
    def allocate():
        together.wait()
        kept = [bytearray(100_000) for _ in range(20)]
        together.wait()
    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ctypes.CDLL(None).malloc_stats()
"""


@glibc_only
def test_threads_share_the_arenas_the_limit_allows() -> None:
    def arenas(mode: str) -> int:
        return python(THREADS_ALLOCATING, mode).count("Arena ")

    assert arenas("limited") == ARENAS
    assert arenas("default") > ARENAS  # the test would pass without the limit otherwise


# 100 MB in small blocks, freed, under one block still in use: free() cannot shrink the
# heap past that block; malloc_trim gives the free pages below it back.
FREED_UNDER_A_BLOCK_IN_USE = """
    import asyncio, gc, sys
    from pathlib import Path
    from hub.cli.heap import settle_heap
    def rss_mib():
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmRSS:")[1].split()[0]) // 1024
    blocks = [bytearray(2000) for _ in range(50_000)]
    in_use = bytearray(2000)
    del blocks
    before = rss_mib()
    asyncio.run(settle_heap()) if sys.argv[1] == "settled" else gc.collect()
    print(before - rss_mib())
"""


@glibc_only
def test_settling_gives_freed_memory_back() -> None:
    def given_back(mode: str) -> int:
        return int(python(FREED_UNDER_A_BLOCK_IN_USE, mode))

    assert given_back("settled") > 50
    assert given_back("collected") < 10
