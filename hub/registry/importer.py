"""Importing a registry file: parse, check against what is stored, write, all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hub.db.engine import Database
from hub.registry import store
from hub.registry.checks import check_topology
from hub.registry.parse import Batch, parse_feature_collection
from hub.registry.problems import ImportRejectedError, Problem, Report


@dataclass(frozen=True, slots=True)
class ImportResult:
    revision: int
    regions: int
    workers: int
    branches: int
    warnings: list[Problem]


def read_document(path: Path) -> Any:
    """The parsed JSON of a file; unreadable or non-JSON files are rejected plainly."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        report = Report()
        report.error(f"cannot read {path.name} as JSON: {error}")
        raise ImportRejectedError(report) from error


async def import_document(database: Database, document: Any, source: str) -> ImportResult:
    """Check and store a FeatureCollection; raises ImportRejectedError and writes nothing."""
    report = Report()
    batch = parse_feature_collection(document, report)
    if not report.ok:
        raise ImportRejectedError(report)
    async with database.session() as session, session.begin():
        if database.dialect == "postgresql":
            # One import at a time: checks read what a concurrent import could change.
            await session.execute(text("LOCK TABLE regions IN EXCLUSIVE MODE"))
        stored = await store.shapes_near(session, _neighbourhood(batch))
        check_topology(batch, stored, report)
        if not report.ok:
            raise ImportRejectedError(report)
        revision = await store.write(session, batch, source, [str(w) for w in report.warnings])
    return ImportResult(
        revision, len(batch.regions), len(batch.workers), len(batch.branches), report.warnings
    )


def _neighbourhood(batch: Batch) -> set[str]:
    parents = {p.record.parent_code for p in batch.regions.values()}
    return {code for code in parents if code} | set(batch.regions)
