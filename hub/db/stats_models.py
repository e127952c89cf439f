"""Tables of the statistics (``hub.stats``), imported by ``hub.db.registry_models``: each grid
event's facts, and the rollup cells built from them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import CODE, Base

PERIOD = String(8)
KEY = String(64)  # a category or department code; "" for the whole grid
WORKER = String(200)  # a principal id


class StatsEventRow(Base):
    """What the statistics know of one grid event (``hub.stats.facts``), as JSON."""

    __tablename__ = "stats_events"

    event_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)


class StatsCellRow(Base):
    """One rollup cell: a period of one grid, whole or by category or department."""

    __tablename__ = "stats_cells"

    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(12), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    grid_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    reported: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    merged: Mapped[int] = mapped_column(Integer)
    closed_due: Mapped[int] = mapped_column(Integer)
    closed_on_time: Mapped[int] = mapped_column(Integer)
    handling_seconds: Mapped[int] = mapped_column(BigInteger)
    escalations: Mapped[int] = mapped_column(Integer)
    verified: Mapped[int] = mapped_column(Integer)
    verified_passed: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    rating_sum: Mapped[int] = mapped_column(Integer)
    closed_in_grid: Mapped[int] = mapped_column(Integer)
    buckets: Mapped[dict[str, int]] = mapped_column(JSON)  # handling-time histogram


class StatsWorkerCellRow(Base):
    """One grid worker's figures for a period in one grid (网格员考核)."""

    __tablename__ = "stats_worker_cells"

    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    grid_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    worker: Mapped[str] = mapped_column(WORKER, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    verifications: Mapped[int] = mapped_column(Integer)
    verifications_timed: Mapped[int] = mapped_column(Integer)
    verified_in_time: Mapped[int] = mapped_column(Integer)
    verification_seconds: Mapped[int] = mapped_column(BigInteger)
    duplicates: Mapped[int] = mapped_column(Integer, server_default="0")
    good_ratings: Mapped[int] = mapped_column(Integer, server_default="0")
    poor_ratings: Mapped[int] = mapped_column(Integer, server_default="0")
