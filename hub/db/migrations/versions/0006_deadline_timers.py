"""deadline timers: warnings and escalations due per grid event

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grid_event_timers",
        sa.Column("event_id", sa.String(length=26), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("time_limit", sa.JSON(), nullable=False),
        sa.Column("caused_by", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["grid_events.id"],
            name=op.f("fk_grid_event_timers_event_id_grid_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_grid_event_timers")),
    )
    op.create_index(
        op.f("ix_grid_event_timers_due_at"), "grid_event_timers", ["due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_grid_event_timers_due_at"), table_name="grid_event_timers")
    op.drop_table("grid_event_timers")
