"""event bus and ledger: outbox, feed cursors, the embedded log, grid events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ULID_ID = sa.String(length=26)
TOPIC = sa.String(length=200)
CODE = sa.String(length=18)
DEPARTMENT = sa.String(length=20)
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    _bus()
    _ledger()


def _bus() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("topic", TOPIC, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_table(
        "feed_cursors",
        sa.Column("feed", sa.String(length=100), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("feed", name=op.f("pk_feed_cursors")),
    )
    op.create_table(
        "upstream_changes",
        sa.Column("id", ULID_ID, nullable=False),
        sa.Column("feed", sa.String(length=100), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_changes")),
    )
    op.create_table(
        "bus_topics",
        sa.Column("name", TOPIC, nullable=False),
        sa.Column("end_offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_bus_topics")),
    )
    op.create_table(
        "bus_log",
        sa.Column("topic", TOPIC, nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("appended_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("topic", "offset", name=op.f("pk_bus_log")),
    )
    op.create_index("ix_bus_log_topic_appended_at", "bus_log", ["topic", "appended_at"])
    op.create_table(
        "bus_offsets",
        sa.Column("group_name", TOPIC, nullable=False),
        sa.Column("topic", TOPIC, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("group_name", "topic", name=op.f("pk_bus_offsets")),
    )


def _ledger() -> None:
    op.create_table(
        "grid_events",
        sa.Column("id", ULID_ID, nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=True),
        sa.Column("lead_department", DEPARTMENT, nullable=True),
        sa.Column("co_departments", sa.JSON(), nullable=False),
        sa.Column("grid_code", CODE, nullable=False),
        sa.Column("micro_grid_code", CODE, nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("reporter_name", sa.String(length=50), nullable=True),
        sa.Column("reporter_phone", sa.String(length=20), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("origin", sa.JSON(), nullable=False),
        sa.Column("time_limit", sa.JSON(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=True),
        sa.Column("merged_into", ULID_ID, nullable=True),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_events")),
    )
    op.create_index(op.f("ix_grid_events_category"), "grid_events", ["category"])
    op.create_index(op.f("ix_grid_events_lead_department"), "grid_events", ["lead_department"])
    op.create_index("ix_grid_events_grid_code_id", "grid_events", ["grid_code", "id"])
    op.create_index("ix_grid_events_status_id", "grid_events", ["status", "id"])

    op.create_table(
        "grid_event_timeline",
        sa.Column("id", ULID_ID, nullable=False),
        sa.Column("event_id", ULID_ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("department", DEPARTMENT, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["grid_events.id"],
            name=op.f("fk_grid_event_timeline_event_id_grid_events"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_event_timeline")),
        sa.UniqueConstraint(
            "event_id", "version", name=op.f("uq_grid_event_timeline_event_id")
        ),
    )
    op.create_index(
        op.f("ix_grid_event_timeline_event_id"), "grid_event_timeline", ["event_id"]
    )

    op.create_table(
        "grid_event_orders",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("event_id", ULID_ID, nullable=False),
        sa.Column("department", DEPARTMENT, nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("upstream_system", sa.String(length=50), nullable=False),
        sa.Column("upstream_id", sa.String(length=100), nullable=False),
        sa.Column("upstream_url", sa.String(length=500), nullable=True),
        sa.Column("accepted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["grid_events.id"],
            name=op.f("fk_grid_event_orders_event_id_grid_events"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_event_orders")),
        sa.UniqueConstraint(
            "event_id", "department", name=op.f("uq_grid_event_orders_event_id")
        ),
    )
    op.create_index(
        "ix_grid_event_orders_upstream", "grid_event_orders", ["upstream_system", "upstream_id"]
    )


def downgrade() -> None:
    for table in (
        "grid_event_orders",
        "grid_event_timeline",
        "grid_events",
        "bus_offsets",
        "bus_log",
        "bus_topics",
        "upstream_changes",
        "feed_cursors",
        "outbox",
    ):
        op.drop_table(table)
