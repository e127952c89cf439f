"""What one running operation has done that the audit trail must hear about.

The state lives in a context variable, not on ``HubContext``: a WebSocket connection
shares one context between all its operations, but each operation runs in its own
task, and the security extension sets the variable at the start of each.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from hub.db.types import utcnow
from hub.security.audit import Action, Entry, clip


@dataclass
class OperationState:
    label: str
    principal: str
    client: str
    purpose: str
    reads: dict[str, set[str]] = field(default_factory=dict)  # coordinate -> records
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # action, coordinate, record

    def read(self, coordinate: str, record: str) -> None:
        self.reads.setdefault(coordinate, set()).add(record)

    def changed(self, action: Action, coordinate: str, record: str) -> None:
        self.changes.append((action.value, coordinate, record))

    def take_entries(self) -> list[Entry]:
        """The audit entries owed so far (one per field read, one per change), then forget them."""
        if not self.reads and not self.changes:  # most results, and every shared one
            return []
        now = utcnow()
        entries = [
            self._entry(now, Action.PII_READ.value, coordinate, " ".join(sorted(records)))
            for coordinate, records in sorted(self.reads.items())
        ]
        entries += [self._entry(now, *change) for change in self.changes]
        self.reads, self.changes = {}, []
        return entries

    def _entry(self, now: datetime, action: str, coordinate: str, record: str) -> Entry:
        return Entry(
            at=now,
            action=action,
            principal=self.principal,
            operation=clip(self.label),
            field=coordinate,
            record=record,
            client=clip(self.client),
            purpose=clip(self.purpose),
        )


CURRENT: ContextVar[OperationState | None] = ContextVar("hub_operation", default=None)


def current_operation() -> OperationState | None:
    return CURRENT.get()
