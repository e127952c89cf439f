"""Per-client token buckets: the simulator's answer to a caller that asks too often."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class RateLimiter:
    """``per_second`` requests a second per client, with bursts of up to ``burst``."""

    def __init__(
        self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("a rate limit needs per_second > 0 and burst >= 1")
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def take(self, client: str) -> int | None:
        """Spend one token; None when allowed, else the whole seconds to wait (Retry-After)."""
        now = self._clock()
        tokens, then = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            return None
        self._buckets[client] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / self.per_second))
