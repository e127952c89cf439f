"""A circuit breaker per upstream: closed → open → half-open → closed.

    CLOSED     calls pass; ``failures`` unavailable outcomes in a row open it
    OPEN       calls fail at once, without touching the upstream, for ``reset_after``
    HALF_OPEN  one call at a time goes through as a probe: success closes, failure reopens

Only unavailability counts as failure (timeouts, refused connections, 5xx): a 404 or
a malformed answer says nothing about whether the system is up. The state is plain
data read synchronously, so metrics and the graph see it without awaiting anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


class CircuitBreaker:
    def __init__(
        self,
        failures: int = 5,
        reset_after: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = failures
        self._reset_after = reset_after
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self._open = False

    @property
    def state(self) -> BreakerState:
        if not self._open:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at < self._reset_after:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    @property
    def retry_in(self) -> float:
        """Seconds until an open breaker lets a probe through."""
        return max(0.0, self._opened_at + self._reset_after - self._clock()) if self._open else 0.0

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open, True for one caller only."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN or self._probing:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._failures = 0
        self._open = self._probing = False

    def failed(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            self._open = True
            self._opened_at = self._clock()
        self._probing = False

    def released(self) -> None:
        """A call that went out ended with no verdict on the upstream (say, a 404)."""
        self._probing = False
