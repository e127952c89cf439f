"""Tables of the patrols (三查): each patrol, its check-ins, the events reported on it,
and the routines found missed (imported by ``hub.db.tables``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import CODE, Base
from hub.db.types import UTCDateTime

ULID_ID = String(26)
ROUTINE = String(16)
PERSON = String(200)


class PatrolRow(Base):
    """A worker's patrol of one grid for one routine, from its start to its end."""

    __tablename__ = "patrols"
    __table_args__ = (
        Index("ix_patrols_grid_routine_started", "grid_code", "routine", "started_at"),
    )

    id: Mapped[str] = mapped_column(ULID_ID, primary_key=True)
    grid_code: Mapped[str] = mapped_column(CODE)
    routine: Mapped[str] = mapped_column(ROUTINE)
    worker: Mapped[str] = mapped_column(PERSON, doc="the principal id of the worker")
    worker_name: Mapped[str] = mapped_column(PERSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CheckInRow(Base):
    """打卡: where and when a patrolling worker was, placed in a micro-grid."""

    __tablename__ = "patrol_check_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patrol_id: Mapped[str] = mapped_column(
        ULID_ID, ForeignKey("patrols.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    micro_grid_code: Mapped[str | None] = mapped_column(CODE, nullable=True)


class PatrolEventRow(Base):
    """A grid event reported on a patrol."""

    __tablename__ = "patrol_events"

    patrol_id: Mapped[str] = mapped_column(
        ULID_ID, ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(ULID_ID, primary_key=True)


class PatrolMissRow(Base):
    """A routine a grid missed in one period: written once, with its notice, by whoever
    finds it first (the unique key makes a second finder's insert do nothing). ``seq``
    orders them as written, for the subscribers who follow them."""

    __tablename__ = "patrol_misses"
    __table_args__ = (UniqueConstraint("grid_code", "routine", "period_start"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grid_code: Mapped[str] = mapped_column(CODE)
    routine: Mapped[str] = mapped_column(ROUTINE)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    id: Mapped[str] = mapped_column(ULID_ID, unique=True, doc="the miss's id, its notice's cause")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
