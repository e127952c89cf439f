"""Handling times as fixed log-scale histograms, so a p90 survives being rolled up.

A quantile cannot be summed, but a histogram can: every rollup cell keeps the count
of its handling times in fixed buckets, and a report adds the cells' buckets and
reads the quantile off the sum.

Bucket 0 holds times under a minute; bucket ``i`` ≥ 1 holds [60·r^(i-1), 60·r^i)
seconds with r = 2^(1/4), so each bucket is 19% wider than the one before; the last
of the 84, open-ended, starts at about 2.8 years. The count of every bucket
is exact, so the bucket holding the p90 (by nearest rank) is exact too; the estimate is
that bucket's geometric midpoint, which is within ``RELATIVE_ERROR`` = 2^(1/8) - 1
(9.05%) of the true p90 for any time of a minute or more, and within 30 seconds below
that. Times in the open-ended last bucket are reported as its lower bound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

RATIO = 2 ** (1 / 4)
FIRST = 60.0  # seconds: the upper bound of bucket 0
BUCKETS = 84
RELATIVE_ERROR = math.sqrt(RATIO) - 1
_LOG_RATIO = math.log(RATIO)


def bucket_of(seconds: float) -> int:
    if seconds < FIRST:
        return 0
    return min(BUCKETS - 1, int(math.log(seconds / FIRST) / _LOG_RATIO) + 1)


def estimate(bucket: int) -> float:
    """The value a bucket stands for, in seconds."""
    if bucket == 0:
        return FIRST / 2
    if bucket == BUCKETS - 1:
        return float(FIRST * RATIO ** (bucket - 1))
    return float(FIRST * RATIO ** (bucket - 0.5))


def quantile(counts: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of a histogram, in seconds; None when empty."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return estimate(bucket)
    return estimate(max(counts))
