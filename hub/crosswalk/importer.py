"""Importing a department's grid scheme: parse, overlay on the unified grids, store.

Nothing is written unless the whole file is good. A department's new scheme replaces
its old one completely, so grids the department has dropped disappear with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from hub.crosswalk import store
from hub.crosswalk.entries import DepartmentGrid
from hub.crosswalk.overlay import UNCOVERED_WARNING_SHARE, Overlay, overlay
from hub.crosswalk.parse import parse_scheme
from hub.db.engine import Database
from hub.registry import store as registry_store
from hub.registry.problems import ImportRejectedError, Problem, Report


@dataclass(frozen=True, slots=True)
class SchemeImportResult:
    revision: int
    department: str
    grids: int
    entries: int
    warnings: list[Problem]


async def import_scheme(
    database: Database,
    department: str,
    document: Any,
    source: str,
    departments: Collection[str],
) -> SchemeImportResult:
    """Check a department's scheme and store its crosswalk; raises ImportRejectedError
    and writes nothing when the department is unknown or the file has any error."""
    report = Report()
    if department not in departments:
        report.error(f"unknown department {department!r}; known: {', '.join(sorted(departments))}")
        raise ImportRejectedError(report)
    grids = parse_scheme(document, report)
    if not report.ok:
        raise ImportRejectedError(report)
    async with database.session() as session:
        unified = await store.unified_grids(session)
        registry_revision = await registry_store.revision(session)
    if not unified:
        report.error("the grid registry has no grids yet: import the unified grids first")
        raise ImportRejectedError(report)
    result = await asyncio.to_thread(overlay, department, grids, unified)
    _warn_uncovered(grids, result, report)
    warnings = [str(w) for w in report.warnings]
    async with database.session() as session, session.begin():
        if database.dialect == "postgresql":
            # One scheme import at a time: each replaces a department's rows wholesale.
            await session.execute(text("LOCK TABLE department_grids IN EXCLUSIVE MODE"))
        revision = await store.replace_scheme(
            session,
            department,
            grids,
            result,
            source=source,
            registry_revision=registry_revision,
            warnings=warnings,
        )
    return SchemeImportResult(
        revision, department, len(grids), len(result.entries), report.warnings
    )


def _warn_uncovered(grids: list[DepartmentGrid], result: Overlay, report: Report) -> None:
    for grid in grids:
        share = result.uncovered[grid.code]
        if share >= 1 - 1e-9:
            report.warn(
                "lies outside every unified grid: records in it cannot be placed", grid.code
            )
        elif share > UNCOVERED_WARNING_SHARE:
            report.warn(f"{share:.1%} of its area lies outside every unified grid", grid.code)
