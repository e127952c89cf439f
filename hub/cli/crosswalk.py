"""``hub crosswalk``: import a department's grid scheme, and inspect the crosswalk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import database, department_codes, fail, run, run_import, state
from hub.config import Settings
from hub.core.codes import InvalidCodeError, RegionLevel, level_of
from hub.crosswalk import CrosswalkEntry, CrosswalkIndex, SchemeImportResult, import_scheme
from hub.crosswalk import store as crosswalk_store
from hub.registry.importer import read_document

app = typer.Typer(help="The spatial crosswalk (多网合一).", no_args_is_help=True)


@app.command("import")
def import_file(
    context: typer.Context,
    department: Annotated[str, typer.Argument(help="The department's code, e.g. police.")],
    file: Annotated[
        Path,
        typer.Argument(
            help="Its grids as a GeoJSON FeatureCollection.", exists=True, dir_okay=False
        ),
    ],
) -> None:
    """Overlay DEPARTMENT's grids from FILE on the unified grids; replaces its old scheme.
    A file with any error changes nothing."""
    settings = state(context).settings()
    departments = department_codes()

    async def go() -> SchemeImportResult:
        async with database(settings) as db:
            return await import_scheme(db, department, read_document(file), file.name, departments)

    result = run_import(go())
    typer.echo(
        f"imported {result.grids} {department} grids, {result.entries} overlaps with unified "
        f"grids; crosswalk revision {result.revision}"
    )


@app.command()
def show(
    context: typer.Context,
    code: Annotated[str, typer.Argument(help="A unified grid code, or a department's grid code.")],
) -> None:
    """For a unified grid, the department grids overlapping it; for a department grid,
    the unified grids it overlaps and where its records without a location go."""
    if _is_region(code) and level_of(code) is not RegionLevel.GRID:
        raise fail("give a unified grid code (15 digits) or a department's grid code", code=2)
    index = run(_index(state(context).settings()))
    lines = _unified(index, code) if _is_region(code) else _departmental(index, code)
    if not lines:
        raise fail(f"no crosswalk entries for {code}")
    typer.echo("\n".join(lines))


async def _index(settings: Settings) -> CrosswalkIndex:
    async with database(settings) as db, db.session() as session:
        revision = await crosswalk_store.revision(session)
        return CrosswalkIndex(await crosswalk_store.entries(session), revision)


def _is_region(code: str) -> bool:
    try:
        level_of(code)
    except InvalidCodeError:
        return False
    return True


def _unified(index: CrosswalkIndex, grid_code: str) -> list[str]:
    entries = index.entries_for_grid(grid_code)
    if not entries:
        return []
    lines = [f"{grid_code}  overlapped by {len(entries)} department grids"]
    lines += [_line(e, e.department_code, e.grid_share, e.department_share) for e in entries]
    return lines


def _departmental(index: CrosswalkIndex, code: str) -> list[str]:
    lines = []
    for department in index.departments:
        entries = index.grids_of(department, code)
        if not entries:
            continue
        best = index.best_grid(department, code)
        assert best is not None
        lines.append(f"{department} {code}  overlaps {len(entries)} unified grids")
        lines += [_line(e, e.grid_code, e.department_share, e.grid_share) for e in entries]
        lines.append(f"  records without a location go to {best.grid_code} (approximate)")
    return lines


def _line(entry: CrosswalkEntry, other: str, share: float, other_share: float) -> str:
    return (
        f"  {entry.department:<10} {other:<18} {share:7.1%} of this, "
        f"{other_share:7.1%} of that, {entry.overlap_sqm:>10,.0f} m²"
    )
