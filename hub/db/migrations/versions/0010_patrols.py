"""patrols (三查): patrols, their check-ins and events, and the routines missed; the
ratings of each worker's reports in the worker cells (积分考核)

Existing worker cells count no ratings until ``hub stats rebuild`` recomputes them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stats_worker_cells") as table:
        for column in ("good_ratings", "poor_ratings"):
            table.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "patrols",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("grid_code", sa.String(length=18), nullable=False),
        sa.Column("routine", sa.String(length=16), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("worker_name", sa.String(length=200), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrols")),
    )
    op.create_index(
        "ix_patrols_grid_routine_started", "patrols", ["grid_code", "routine", "started_at"]
    )
    op.create_table(
        "patrol_check_ins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patrol_id", sa.String(length=26), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("micro_grid_code", sa.String(length=18), nullable=True),
        sa.ForeignKeyConstraint(
            ["patrol_id"],
            ["patrols.id"],
            name=op.f("fk_patrol_check_ins_patrol_id_patrols"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_check_ins")),
    )
    op.create_index(
        op.f("ix_patrol_check_ins_patrol_id"), "patrol_check_ins", ["patrol_id"], unique=False
    )
    op.create_table(
        "patrol_events",
        sa.Column("patrol_id", sa.String(length=26), nullable=False),
        sa.Column("event_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["patrol_id"],
            ["patrols.id"],
            name=op.f("fk_patrol_events_patrol_id_patrols"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patrol_id", "event_id", name=op.f("pk_patrol_events")),
    )
    op.create_table(
        "patrol_misses",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("grid_code", sa.String(length=18), nullable=False),
        sa.Column("routine", sa.String(length=16), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_patrol_misses")),
        sa.UniqueConstraint(
            "grid_code",
            "routine",
            "period_start",
            name=op.f("uq_patrol_misses_grid_code"),
        ),
        sa.UniqueConstraint("id", name=op.f("uq_patrol_misses_id")),
    )


def downgrade() -> None:
    with op.batch_alter_table("stats_worker_cells") as table:
        table.drop_column("poor_ratings")
        table.drop_column("good_ratings")
    op.drop_table("patrol_misses")
    op.drop_table("patrol_events")
    op.drop_index(op.f("ix_patrol_check_ins_patrol_id"), table_name="patrol_check_ins")
    op.drop_table("patrol_check_ins")
    op.drop_index("ix_patrols_grid_routine_started", table_name="patrols")
    op.drop_table("patrols")
