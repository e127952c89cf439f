"""statistics: a grid worker's reports merged as duplicates, counted apart from invalid ones

Existing cells keep their figures, duplicates counted as invalid, until ``hub stats
rebuild`` recomputes them from the ledger.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stats_worker_cells") as table:
        table.add_column(sa.Column("duplicates", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("stats_worker_cells") as table:
        table.drop_column("duplicates")
