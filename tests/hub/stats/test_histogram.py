"""The handling-time histogram: mergeable by adding counts, p90 within its bound."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from hub.stats.histogram import BUCKETS, RELATIVE_ERROR, bucket_of, estimate, quantile


def histogram(values: list[float]) -> dict[int, int]:
    return dict(Counter(bucket_of(v) for v in values))


def exact_p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[-(-9 * len(ordered) // 10) - 1]  # nearest rank: ceil(0.9 n)


def test_buckets_are_ordered_and_bounded() -> None:
    assert bucket_of(0) == bucket_of(59.9) == 0
    assert bucket_of(60) == 1
    assert bucket_of(10**12) == BUCKETS - 1
    times = [60 * 1.1**k for k in range(150)]
    assert [bucket_of(t) for t in times] == sorted(bucket_of(t) for t in times)


@pytest.mark.parametrize("seed", range(5))
def test_p90_of_merged_histograms_is_within_the_bound(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.lognormvariate(10, 1.5) + 60 for _ in range(2000)]
    parts = [histogram(values[i::3]) for i in range(3)]
    merged: Counter[int] = Counter()
    for part in parts:
        merged.update(part)
    assert dict(merged) == histogram(values)
    found = quantile(merged, 0.9)
    assert found is not None
    true = exact_p90(values)
    assert abs(found - true) / true <= RELATIVE_ERROR


def test_every_bucket_estimate_lies_within_the_bound_of_its_members() -> None:
    for seconds in [60.0, 61.0, 3600.0, 86399.0, 7 * 86400.0, 90 * 86400.0]:
        assert abs(estimate(bucket_of(seconds)) - seconds) / seconds <= RELATIVE_ERROR


def test_an_empty_histogram_has_no_quantile() -> None:
    assert quantile({}, 0.9) is None
    assert quantile({3: 0}, 0.9) is None
