"""Per-principal token buckets, in this replica's memory.

Each replica limits on its own, so N replicas behind a balancer admit up to N times
the configured rate; that is the price of keeping the check off the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hub.security.settings import RateLimit

MAX_BUCKETS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    def __init__(self, limit: RateLimit) -> None:
        self.rate = limit.per_second
        self.burst = float(limit.burst)
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Spend one token: 0.0 when allowed, else the seconds until one is there."""
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._buckets.clear()  # everyone starts full again; cheaper than an LRU
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate
