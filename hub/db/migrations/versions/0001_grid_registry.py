"""grid registry: regions, grid workers, party branches, import history

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CODE = sa.String(length=18)


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", CODE, nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_code", CODE, nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("area_sqm", sa.Double(), nullable=False),
        sa.Column("centroid_lat", sa.Double(), nullable=False),
        sa.Column("centroid_lon", sa.Double(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["regions.code"],
            name=op.f("fk_regions_parent_code_regions"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    op.create_index(op.f("ix_regions_level"), "regions", ["level"])
    op.create_index(op.f("ix_regions_parent_code"), "regions", ["parent_code"])

    op.create_table(
        "registry_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("region_count", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_imports")),
    )

    op.create_table(
        "grid_workers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("grid_code", CODE, nullable=False),
        sa.Column("micro_grid_code", CODE, nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_code"], ["regions.code"],
            name=op.f("fk_grid_workers_grid_code_regions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["micro_grid_code"], ["regions.code"],
            name=op.f("fk_grid_workers_micro_grid_code_regions"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_workers")),
    )
    op.create_index(op.f("ix_grid_workers_grid_code"), "grid_workers", ["grid_code"])

    op.create_table(
        "party_branches",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("community_code", CODE, nullable=False),
        sa.Column("secretary_name", sa.String(length=50), nullable=False),
        sa.Column("secretary_phone", sa.String(length=20), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"], ["regions.code"],
            name=op.f("fk_party_branches_community_code_regions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_party_branches")),
    )
    op.create_index(
        op.f("ix_party_branches_community_code"), "party_branches", ["community_code"]
    )

    op.create_table(
        "party_branch_grids",
        sa.Column("grid_code", CODE, nullable=False),
        sa.Column("branch_code", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_code"], ["party_branches.code"],
            name=op.f("fk_party_branch_grids_branch_code_party_branches"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grid_code"], ["regions.code"],
            name=op.f("fk_party_branch_grids_grid_code_regions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("grid_code", name=op.f("pk_party_branch_grids")),
    )
    op.create_index(
        op.f("ix_party_branch_grids_branch_code"), "party_branch_grids", ["branch_code"]
    )


def downgrade() -> None:
    op.drop_table("party_branch_grids")
    op.drop_table("party_branches")
    op.drop_table("grid_workers")
    op.drop_table("registry_imports")
    op.drop_table("regions")
