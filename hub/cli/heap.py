"""The cyclic garbage collector's settings for a long-running process: ``hub serve`` (each
worker), ``hub demo`` and ``hub events run``.

With CPython's defaults a collection runs every 700 net allocations, and a full one
whenever the objects that survived grew by a quarter. A hub serving 1,000 WebSocket
subscribers held about 900,000 tracked objects (some 195,000 built at start-up: the
schema, the registry, the town's shapes; several hundred for each subscriber), and a
full collection walks all of them: 137-332 ms each, seven times in eight seconds of
fan-out to those subscribers, every delivery in the process waiting meanwhile
(``python -m bench.fanout``). Nearly nothing was collected.

So once the app has started, what start-up built is frozen (``gc.freeze``: never
walked again; the documented use), and the young generation is collected every
``YOUNG`` allocations, which keeps short-lived request garbage out of the older ones
without walking them. Cycles are still collected, later: the older generations'
thresholds stay in force.
"""

from __future__ import annotations

import gc

YOUNG = 50_000  # net allocations between young collections (CPython's default: 700)
MIDDLE = 20  # young collections between middle ones (default: 10)
OLD = 10  # middle collections between full ones, as the default


async def settle_heap() -> None:
    """Collect once, freeze what start-up built, then collect the young less often.
    Runs beside the app once it has started (a companion that ends at once)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
