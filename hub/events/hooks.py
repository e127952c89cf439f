"""What else keeps in step with the ledger, inside its transaction.

The deadline timers and the statistics must commit with the ledger's rows, so the
ledger calls them in its own transaction; but they are built on the ledger, not part
of it. These protocols are what the ledger calls, and the composition of the bus
(``hub.services.bus``) hands it the timers and the statistics: the ledger never
imports either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus import CloudEvent
from hub.core.workorders import LifecycleStatus
from hub.events.payloads import Lifecycle


@dataclass(frozen=True, slots=True)
class AppliedStep:
    """A step as the ledger applied it: where the event stands after it."""

    id: str  # the CloudEvent's id
    at: datetime
    step: Lifecycle
    status: LifecycleStatus
    level: int
    before: LifecycleStatus | None = None  # where it stood before the step


class StepFollower(Protocol):
    """Follows every step the ledger applies, whoever wrote it (the deadline timers)."""

    async def follow(self, connection: AsyncConnection, steps: Sequence[AppliedStep]) -> None:
        """Keep in step with ``steps``, in the ledger's transaction."""
        ...


class BatchRecorder(Protocol):
    """Folds every batch the projection reads from the bus (the statistics)."""

    async def record(self, connection: AsyncConnection, events: Sequence[CloudEvent]) -> None:
        """Fold ``events`` in, in the projection's transaction; a step seen twice is a no-op."""
        ...
