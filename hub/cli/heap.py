"""The memory settings of a long-running process: ``hub serve`` (each worker), ``hub demo``
and ``hub events run``.

First the cyclic garbage collector's. With CPython's defaults a collection runs every
700 net allocations, and a full one whenever the objects that survived grew by a
quarter. A hub serving 1,000 WebSocket subscribers held about 900,000 tracked objects
(some 195,000 built at start-up: the schema, the registry, the town's shapes; several
hundred for each subscriber), and a full collection walks all of them: 137-332 ms each,
seven times in eight seconds of fan-out to those subscribers, every delivery in the
process waiting meanwhile (``python -m bench.fanout``). Nearly nothing was collected.

So once the app has started, what start-up built is frozen (``gc.freeze``: never
walked again; the documented use), and the young generation is collected every
``YOUNG`` allocations, which keeps short-lived request garbage out of the older ones
without walking them. Cycles are still collected, later: the older generations'
thresholds stay in force.

Then the C allocator's, where it is glibc's. It gives each thread that allocates an arena
of its own, up to eight per core, and an arena keeps what is freed in it for its own
thread's next allocations. The hub's threads (SQLite's connections, the default
executor's) allocate little between long waits, so their arenas mostly hold memory no
one uses: two arenas serve the process, and once start-up's garbage is collected, the
freed pages go back to the system (``malloc_trim``). An idle ``hub demo`` holds about
10 MiB less (``python -m bench.demo_footprint``).
"""

from __future__ import annotations

import ctypes
import gc
from functools import cache

YOUNG = 50_000  # net allocations between young collections (CPython's default: 700)
MIDDLE = 20  # young collections between middle ones (default: 10)
OLD = 10  # middle collections between full ones, as the default
ARENAS = 2  # glibc's default: eight for each core
M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)


def limit_arenas() -> None:
    """At most ``ARENAS`` malloc arenas: called before the process starts its threads,
    as an arena is made when a thread first allocates."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, ARENAS)


async def settle_heap() -> None:
    """Collect once, freeze what start-up built, then collect the young less often; and
    give what the collection freed back to the system. Runs beside the app once it has
    started (a companion that ends at once)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (whose ``mallopt`` and ``malloc_trim`` these are)."""
    libc = ctypes.CDLL(None)  # the symbols the process has loaded, the C library's among them
    return libc if hasattr(libc, "gnu_get_libc_version") else None
