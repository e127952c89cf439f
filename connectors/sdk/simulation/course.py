"""The statuses a record passes through, and the way from one to another."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

from connectors.sdk.simulation.admin import CannotAdvanceError


class Course:
    """Statuses and the steps between them; each status's first step is its normal one.

    ``Course({"受理": ["立案", "作废"], "立案": ["派遣"], ...})``: a record in 受理 goes on
    to 立案, or to 作废 when told to. Statuses with no steps are final.
    """

    def __init__(self, steps: Mapping[str, Sequence[str]]) -> None:
        self.steps = {status: tuple(following) for status, following in steps.items()}

    @property
    def statuses(self) -> list[str]:
        seen = dict.fromkeys(self.steps)
        for following in self.steps.values():
            seen.update(dict.fromkeys(following))
        return list(seen)

    def is_final(self, status: str) -> bool:
        return not self.steps.get(status)

    def path(self, current: str, target: str | None = None) -> list[str]:
        """The statuses to pass, in order, to reach ``target`` (default: the next one)."""
        if self.is_final(current):
            raise CannotAdvanceError(f"{current} is final")
        if target is None:
            return [self.steps[current][0]]
        if target not in self.statuses:
            raise CannotAdvanceError(f"{target} is not a status of this system")
        return self._shortest(current, target)

    def _shortest(self, current: str, target: str) -> list[str]:
        queue: deque[list[str]] = deque([[current]])
        seen = {current}
        while queue:
            route = queue.popleft()
            for following in self.steps.get(route[-1], ()):
                if following == target:
                    return [*route[1:], following]
                if following not in seen:
                    seen.add(following)
                    queue.append([*route, following])
        raise CannotAdvanceError(f"{target} cannot be reached from {current}")
