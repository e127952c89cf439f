"""ledger: grid events by the time they were reported (Open311's date-bounded lists)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_grid_events_reported_at", "grid_events", ["reported_at"])


def downgrade() -> None:
    op.drop_index("ix_grid_events_reported_at", table_name="grid_events")
