"""Tables of the event bus and the grid-event ledger (imported by ``hub.db.registry_models``).

outbox, feed_cursors, upstream_changes   getting events onto the bus, exactly once
bus_topics, bus_log, bus_offsets         the embedded backend's durable log
grid_events, grid_event_timeline,        the ledger: each event's current state,
grid_event_orders                        every step it took, its upstream orders
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import CODE, PERSONAL, Base
from hub.db.types import UTCDateTime, utcnow

ULID_ID = String(26)
TOPIC = String(200)
DEPARTMENT = String(20)
# SQLite autoincrements only an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
SERIAL = BigInteger().with_variant(Integer(), "sqlite")


class OutboxRow(Base):
    """Messages written in the same transaction as the change they announce."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(TOPIC)
    key: Mapped[str] = mapped_column(String(64))
    headers: Mapped[list[list[str]]] = mapped_column(JSON)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedCursorRow(Base):
    """Where each department change feed was last read up to."""

    __tablename__ = "feed_cursors"

    feed: Mapped[str] = mapped_column(String(100), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UpstreamChangeRow(Base):
    """Upstream changes already turned into events: a change seen twice is emitted once."""

    __tablename__ = "upstream_changes"

    id: Mapped[str] = mapped_column(ULID_ID, primary_key=True)  # the event id it became
    feed: Mapped[str] = mapped_column(String(100))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BusTopicRow(Base):
    """Embedded backend: one row per topic; updating it serialises appends per topic."""

    __tablename__ = "bus_topics"

    name: Mapped[str] = mapped_column(TOPIC, primary_key=True)
    end_offset: Mapped[int] = mapped_column(BigInteger, default=0)


class BusLogRow(Base):
    __tablename__ = "bus_log"
    __table_args__ = (Index("ix_bus_log_topic_appended_at", "topic", "appended_at"),)

    topic: Mapped[str] = mapped_column(TOPIC, primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    headers: Mapped[list[list[str]]] = mapped_column(JSON)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    appended_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BusOffsetRow(Base):
    """Embedded backend: the next offset each consumer group reads."""

    __tablename__ = "bus_offsets"

    group_name: Mapped[str] = mapped_column(TOPIC, primary_key=True)
    topic: Mapped[str] = mapped_column(TOPIC, primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)


class GridEventRow(Base):
    """A grid event as it stands now; ``version`` counts the steps on its timeline."""

    __tablename__ = "grid_events"
    __table_args__ = (
        Index("ix_grid_events_grid_code_id", "grid_code", "id"),
        Index("ix_grid_events_status_id", "status", "id"),
        Index("ix_grid_events_merged_into", "merged_into"),
        Index("ix_grid_events_category_reported_at", "category", "reported_at"),
        Index("ix_grid_events_reported_at", "reported_at"),
    )

    id: Mapped[str] = mapped_column(ULID_ID, primary_key=True)
    category: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    disposition: Mapped[str | None] = mapped_column(String(16))
    lead_department: Mapped[str | None] = mapped_column(DEPARTMENT, index=True)
    co_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    grid_code: Mapped[str] = mapped_column(CODE)
    micro_grid_code: Mapped[str | None] = mapped_column(CODE)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
    reporter_name: Mapped[str | None] = mapped_column(String(50), info=PERSONAL)
    reporter_phone: Mapped[str | None] = mapped_column(String(20), info=PERSONAL)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    origin: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    time_limit: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into: Mapped[str | None] = mapped_column(ULID_ID)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TimelineRow(Base):
    """One step of a grid event: the CloudEvent that announced it."""

    __tablename__ = "grid_event_timeline"
    __table_args__ = (UniqueConstraint("event_id", "version"),)

    id: Mapped[str] = mapped_column(ULID_ID, primary_key=True)  # the CloudEvent id
    event_id: Mapped[str] = mapped_column(
        ULID_ID, ForeignKey("grid_events.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(DEPARTMENT)
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WorkOrderRow(Base):
    """An order a department accepted for a grid event, with the department's own id."""

    __tablename__ = "grid_event_orders"
    __table_args__ = (
        UniqueConstraint("event_id", "department"),
        Index("ix_grid_event_orders_upstream", "upstream_system", "upstream_id"),
    )

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ULID_ID, ForeignKey("grid_events.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(DEPARTMENT)
    role: Mapped[str] = mapped_column(String(8))
    upstream_system: Mapped[str] = mapped_column(String(50))
    upstream_id: Mapped[str] = mapped_column(String(100))
    upstream_url: Mapped[str | None] = mapped_column(String(500))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
