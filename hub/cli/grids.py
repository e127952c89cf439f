"""``hub grids``: import, inspect and generate the grid registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import database, fail, run, run_import, state
from hub.config import Settings
from hub.demo.town import DEFAULT_SEED, TownSpec, generate_town
from hub.registry import records, store
from hub.registry.codes import InvalidCodeError, RegionLevel, level_of
from hub.registry.importer import ImportResult, import_document, read_document

app = typer.Typer(help="The grid registry.", no_args_is_help=True)


@app.command("import")
def import_file(
    context: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A GeoJSON FeatureCollection.", exists=True, dir_okay=False)
    ],
) -> None:
    """Check FILE and store it; a file with any error changes nothing."""
    settings = state(context).settings()

    async def go() -> ImportResult:
        async with database(settings) as db:
            return await import_document(db, read_document(file), source=file.name)

    result = run_import(go())
    typer.echo(
        f"imported {result.regions} regions, {result.workers} grid workers, "
        f"{result.branches} party branches; registry revision {result.revision}"
    )


@app.command()
def show(
    context: typer.Context,
    code: Annotated[str, typer.Argument(help="A region code of any level.")],
) -> None:
    """Describe one region: its place in the tree, its counts and, for a grid, its people."""
    try:
        level = level_of(code)
    except InvalidCodeError as error:
        raise fail(str(error), code=2) from error
    settings = state(context).settings()
    details = run(_details(settings, code, level))
    if details is None:
        raise fail(f"no region {code}")
    typer.echo("\n".join(details))


async def _details(settings: Settings, code: str, level: RegionLevel) -> list[str] | None:
    async with database(settings) as db, db.session() as session:
        found = await store.regions(session, [code])
        if code not in found:
            return None
        region = found[code]
        lines = _describe(region, len((await store.children(session, [code])).get(code, [])))
        if level is RegionLevel.GRID:
            lines += _describe_people(
                (await store.workers(session, [code])).get(code, []),
                (await store.branches_of_grids(session, [code])).get(code),
            )
        return lines


def _describe(region: records.Region, children: int) -> list[str]:
    return [
        f"{region.code}  {region.name}  ({region.level})",
        f"  parent:      {region.parent_code or '-'}",
        f"  households:  {region.households}   population: {region.population}",
        f"  area:        {region.area_sqm / 1e6:.3f} km²   centroid: "
        f"{region.centroid_lat:.6f}, {region.centroid_lon:.6f}",
        f"  children:    {children}",
        *([f"  address:     {region.address}"] if region.address else []),
    ]


def _describe_people(
    workers: list[records.GridWorker], branch: records.PartyBranch | None
) -> list[str]:
    lines = [f"  workers:     {len(workers)}"]
    lines += [
        f"    {w.role:<16} {w.name}  {w.phone}" for w in workers if w.role != "MICRO_GRID_LEAD"
    ]
    if branch:
        lines.append(
            f"  party branch: {branch.name} ({branch.member_count} members, "
            f"secretary {branch.secretary_name})"
        )
    return lines


@app.command()
def generate(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the GeoJSON.")
    ] = Path("town.geojson"),
    seed: Annotated[int, typer.Option(help="The same seed gives the same town.")] = DEFAULT_SEED,
) -> None:
    """Write the synthetic demo town as a GeoJSON FeatureCollection."""
    town = generate_town(TownSpec(seed=seed))
    output.write_text(json.dumps(town, ensure_ascii=False), encoding="utf-8")
    typer.echo(f"wrote {len(town['features'])} regions to {output}")
