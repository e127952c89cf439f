"""lifecycle: finding an event's duplicates (merged_into) and likely duplicates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_grid_events_merged_into", "grid_events", ["merged_into"])
    op.create_index(
        "ix_grid_events_category_reported_at", "grid_events", ["category", "reported_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_grid_events_category_reported_at", table_name="grid_events")
    op.drop_index("ix_grid_events_merged_into", table_name="grid_events")
