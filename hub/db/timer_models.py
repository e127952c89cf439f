"""The timers table (imported by ``hub.db.registry_models`` so Alembic sees it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base
from hub.db.types import UTCDateTime

ULID_ID = String(26)


class TimerRow(Base):
    """The next thing due for a running grid event: its warning, then each escalation.

    One row per event, written when it is routed (and again, with a fresh time limit,
    when it is reopened) and gone once it is resolved, closed, merged or suspended, or
    has reached the top level. Firing advances or deletes the
    row in the same transaction that writes the outgoing events to the outbox.
    """

    __tablename__ = "grid_event_timers"

    event_id: Mapped[str] = mapped_column(
        ULID_ID, ForeignKey("grid_events.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    stage: Mapped[int] = mapped_column(Integer, doc="0: the warning; n: the n-th escalation")
    level: Mapped[int] = mapped_column(Integer, doc="the handling level the event is at")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, doc="when it was routed")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    time_limit: Mapped[dict[str, Any]] = mapped_column(JSON)
    caused_by: Mapped[str] = mapped_column(ULID_ID, doc="the routed step; outputs derive from it")
