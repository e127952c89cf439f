"""statistics: each event's facts and the rollup cells kept from them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CELL_COUNTERS = (
    "reported",
    "closed",
    "merged",
    "closed_due",
    "closed_on_time",
    "escalations",
    "verified",
    "verified_passed",
    "rated",
    "rating_sum",
    "closed_in_grid",
)
WORKER_COUNTERS = (
    "reports",
    "valid",
    "invalid",
    "verifications",
    "verifications_timed",
    "verified_in_time",
)


def _counters(names: tuple[str, ...]) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "stats_events",
        sa.Column("event_id", sa.String(length=26), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_stats_events")),
    )
    op.create_table(
        "stats_cells",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("dimension", sa.String(length=12), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("grid_code", sa.String(length=18), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        *_counters(CELL_COUNTERS[:5]),
        sa.Column("handling_seconds", sa.BigInteger(), nullable=False),
        *_counters(CELL_COUNTERS[5:]),
        sa.Column("buckets", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "period", "dimension", "start", "grid_code", "key", name=op.f("pk_stats_cells")
        ),
    )
    op.create_table(
        "stats_worker_cells",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("grid_code", sa.String(length=18), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        *_counters(WORKER_COUNTERS),
        sa.Column("verification_seconds", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "period", "start", "grid_code", "worker", name=op.f("pk_stats_worker_cells")
        ),
    )


def downgrade() -> None:
    op.drop_table("stats_worker_cells")
    op.drop_table("stats_cells")
    op.drop_table("stats_events")
