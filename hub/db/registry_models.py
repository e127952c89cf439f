"""Tables. Every change to them goes through an Alembic migration in ``migrations/``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import CODE, PERSONAL, Base
from hub.db.types import UTCDateTime, utcnow


class RegionRow(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(
        CODE, ForeignKey("regions.code", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    households: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    area_sqm: Mapped[float]
    centroid_lat: Mapped[float]
    centroid_lon: Mapped[float]
    geometry: Mapped[str] = mapped_column(Text, deferred=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GridWorkerRow(Base):
    __tablename__ = "grid_workers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grid_code: Mapped[str] = mapped_column(
        CODE, ForeignKey("regions.code", ondelete="CASCADE"), index=True
    )
    micro_grid_code: Mapped[str | None] = mapped_column(
        CODE, ForeignKey("regions.code", ondelete="SET NULL")
    )
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50), info=PERSONAL)
    phone: Mapped[str] = mapped_column(String(20), info=PERSONAL)


class PartyBranchRow(Base):
    __tablename__ = "party_branches"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    community_code: Mapped[str] = mapped_column(
        CODE, ForeignKey("regions.code", ondelete="CASCADE"), index=True
    )
    secretary_name: Mapped[str] = mapped_column(String(50), info=PERSONAL)
    secretary_phone: Mapped[str] = mapped_column(String(20), info=PERSONAL)
    member_count: Mapped[int] = mapped_column(Integer)


class PartyBranchGridRow(Base):
    """Which branch serves a grid: each grid has at most one branch."""

    __tablename__ = "party_branch_grids"

    grid_code: Mapped[str] = mapped_column(
        CODE, ForeignKey("regions.code", ondelete="CASCADE"), primary_key=True
    )
    branch_code: Mapped[str] = mapped_column(
        String(24), ForeignKey("party_branches.code", ondelete="CASCADE"), index=True
    )


class RegistryImportRow(Base):
    """One row per accepted import; its id is the registry's revision."""

    __tablename__ = "registry_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(200))
    region_count: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)


# -- the spatial crosswalk (hub.crosswalk) ----------------------------------------------

DEPARTMENT = String(24)
DEPARTMENT_GRID_CODE = String(40)


class CrosswalkImportRow(Base):
    """One row per accepted department scheme; the newest id is the crosswalk's revision."""

    __tablename__ = "crosswalk_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(DEPARTMENT, index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(200))
    grid_count: Mapped[int] = mapped_column(Integer)
    entry_count: Mapped[int] = mapped_column(Integer)
    registry_revision: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)


class DepartmentGridRow(Base):
    """A department's own grid (警格, 单元网格, service area), as its scheme drew it."""

    __tablename__ = "department_grids"

    department: Mapped[str] = mapped_column(DEPARTMENT, primary_key=True)
    code: Mapped[str] = mapped_column(DEPARTMENT_GRID_CODE, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    area_sqm: Mapped[float]
    geometry: Mapped[str] = mapped_column(Text, deferred=True)


class CrosswalkEntryRow(Base):
    """How much a department grid and a unified grid overlap, as shares of each."""

    __tablename__ = "crosswalk_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["department", "department_code"],
            ["department_grids.department", "department_grids.code"],
            name="fk_crosswalk_entries_department_grid",
            ondelete="CASCADE",
        ),
    )

    department: Mapped[str] = mapped_column(DEPARTMENT, primary_key=True)
    department_code: Mapped[str] = mapped_column(DEPARTMENT_GRID_CODE, primary_key=True)
    grid_code: Mapped[str] = mapped_column(
        CODE, ForeignKey("regions.code", ondelete="CASCADE"), primary_key=True, index=True
    )
    overlap_sqm: Mapped[float]
    department_share: Mapped[float]
    grid_share: Mapped[float]
