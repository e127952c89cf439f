"""Recent calls to one upstream: latency percentiles and error rate over a window."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Summary:
    calls: int
    error_rate: float  # 0..1 over the window
    p50_ms: float | None
    p95_ms: float | None
    last_unusable: bool = False  # the latest answer broke the contract


class CallWindow:
    """The last ``size`` calls, so a recovered upstream looks healthy again soon."""

    def __init__(self, size: int = 200) -> None:
        self._calls: deque[tuple[float | None, bool]] = deque(maxlen=size)
        # A system whose every answer is garbage but that is called seldom (a retry every
        # few seconds) would take minutes to move the error rate: the latest answer says.
        self._last_unusable = False

    def record(self, seconds: float, ok: bool) -> None:
        self._calls.append((seconds, ok))
        self._last_unusable = False

    def record_unusable(self) -> None:
        """An answer that arrived (its call is recorded, ok as HTTP) but broke the
        contract: a failure beside it, with no latency of its own."""
        self._calls.append((None, False))
        self._last_unusable = True

    def summary(self) -> Summary:
        if not self._calls:
            return Summary(calls=0, error_rate=0.0, p50_ms=None, p95_ms=None)
        latencies = sorted(seconds for seconds, _ in self._calls if seconds is not None)
        errors = sum(1 for _, ok in self._calls if not ok)
        return Summary(
            calls=len(latencies),
            error_rate=errors / len(self._calls),
            p50_ms=_percentile(latencies, 0.50),
            p95_ms=_percentile(latencies, 0.95),
            last_unusable=self._last_unusable,
        )


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """In milliseconds; None before any call has a latency."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000
