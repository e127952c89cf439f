"""spatial crosswalk: department grids, their overlaps with unified grids, import history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CODE = sa.String(length=18)
DEPARTMENT = sa.String(length=24)
DEPARTMENT_GRID_CODE = sa.String(length=40)


def upgrade() -> None:
    op.create_table(
        "crosswalk_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department", DEPARTMENT, nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("grid_count", sa.Integer(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("registry_revision", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crosswalk_imports")),
    )
    op.create_index(
        op.f("ix_crosswalk_imports_department"), "crosswalk_imports", ["department"]
    )

    op.create_table(
        "department_grids",
        sa.Column("department", DEPARTMENT, nullable=False),
        sa.Column("code", DEPARTMENT_GRID_CODE, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("area_sqm", sa.Double(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("department", "code", name=op.f("pk_department_grids")),
    )

    op.create_table(
        "crosswalk_entries",
        sa.Column("department", DEPARTMENT, nullable=False),
        sa.Column("department_code", DEPARTMENT_GRID_CODE, nullable=False),
        sa.Column("grid_code", CODE, nullable=False),
        sa.Column("overlap_sqm", sa.Double(), nullable=False),
        sa.Column("department_share", sa.Double(), nullable=False),
        sa.Column("grid_share", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department", "department_code"],
            ["department_grids.department", "department_grids.code"],
            name="fk_crosswalk_entries_department_grid", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grid_code"], ["regions.code"],
            name=op.f("fk_crosswalk_entries_grid_code_regions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "department", "department_code", "grid_code", name=op.f("pk_crosswalk_entries")
        ),
    )
    op.create_index(
        op.f("ix_crosswalk_entries_grid_code"), "crosswalk_entries", ["grid_code"]
    )


def downgrade() -> None:
    op.drop_table("crosswalk_entries")
    op.drop_table("department_grids")
    op.drop_table("crosswalk_imports")
