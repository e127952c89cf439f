"""audit entries carry their own signature, so an edit re-hashed to the chain's end is
named at the entry it starts from

Entries written before this revision stay unsigned; the checkpoints still vouch for them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries") as table:
        table.add_column(sa.Column("signature", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as table:
        table.drop_column("signature")
