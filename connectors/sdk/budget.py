"""Time budgets: how long a GraphQL request may spend waiting on department systems.

A request gets one ``Deadline`` when it starts; every upstream call it makes, in
parallel or in turn, waits at most until then, so a slow department costs a query its
budget and no more. A connector may tighten the deadline for its own calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Deadline:
    at: float  # on the clock below
    clock: Clock = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Clock = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    @property
    def remaining(self) -> float:
        return max(0.0, self.at - self.clock())

    @property
    def expired(self) -> bool:
        return self.clock() >= self.at

    def within(self, seconds: float) -> Deadline:
        """This deadline or ``seconds`` from now, whichever comes first."""
        return Deadline(min(self.at, self.clock() + seconds), self.clock)
