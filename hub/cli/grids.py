"""``hub grids``: import, inspect and generate the grid registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import audit_admin, fail, run, run_import, security, state
from hub.config import Settings
from hub.core.codes import InvalidCodeError, RegionLevel, level_of
from hub.core.personal import mask_name, mask_phone
from hub.registry import model, store
from hub.registry.importer import ImportResult, import_document, read_document
from hub.security.audit import Action

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
        async with security(settings) as services:
            result = await import_document(services.database, read_document(file), source=file.name)
            await audit_admin(services, "grids import", f"RegistryRevision:{result.revision}")
            return result

    result = run_import(go())
    typer.echo(
        f"imported {result.regions} regions, {result.workers} grid workers, "
        f"{result.branches} party branches; registry revision {result.revision}"
    )


@app.command()
def show(
    context: typer.Context,
    code: Annotated[str, typer.Argument(help="A region code of any level.")],
    purpose: Annotated[
        str | None, typer.Option(help="Why you need its people's names and phones unmasked.")
    ] = None,
) -> None:
    """Describe one region: its place in the tree, its counts and, for a grid, its people.

    Names and phone numbers are masked unless a --purpose is given; an unmasked read is
    written to the audit trail, as it would be through the graph.
    """
    try:
        level = level_of(code)
    except InvalidCodeError as error:
        raise fail(str(error), code=2) from error
    settings = state(context).settings()
    details = run(_details(settings, code, level, purpose))
    if details is None:
        raise fail(f"no region {code}")
    typer.echo("\n".join(details))


async def _details(
    settings: Settings, code: str, level: RegionLevel, purpose: str | None
) -> list[str] | None:
    async with security(settings) as services, services.database.session() as session:
        found = await store.regions(session, [code])
        if code not in found:
            return None
        region = found[code]
        lines = _describe(region, len((await store.children(session, [code])).get(code, [])))
        if level is RegionLevel.GRID:
            lines += _describe_people(
                (await store.workers(session, [code])).get(code, []),
                (await store.branches_of_grids(session, [code])).get(code),
                masked=purpose is None,
            )
            if purpose is not None:
                await audit_admin(
                    services, "grids show", f"GridWorker@{code}", purpose, Action.PII_READ
                )
        return lines


def _describe(region: model.Region, children: int) -> list[str]:
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
    workers: list[model.GridWorker], branch: model.PartyBranch | None, *, masked: bool
) -> list[str]:
    name, phone = (mask_name, mask_phone) if masked else (str, str)
    lines = [f"  workers:     {len(workers)}"]
    lines += [
        f"    {w.role:<16} {name(w.name)}  {phone(w.phone)}"
        for w in workers
        if w.role != "MICRO_GRID_LEAD"
    ]
    if branch:
        lines.append(
            f"  party branch: {branch.name} ({branch.member_count} members, "
            f"secretary {name(branch.secretary_name)})"
        )
    return lines


@app.command()
def generate(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the GeoJSON.")
    ] = Path("town.geojson"),
    seed: Annotated[
        int | None,
        typer.Option(help="The same seed gives the same town; by default, the demo town's."),
    ] = None,
) -> None:
    """Write the synthetic demo town as a GeoJSON FeatureCollection."""
    # Imported here: the demo town stays out of every other command, `hub serve` first.
    from connectors.sdk.simulation import TownSpec, generate_town  # noqa: PLC0415

    town = generate_town(TownSpec() if seed is None else TownSpec(seed=seed))
    output.write_text(json.dumps(town, ensure_ascii=False), encoding="utf-8")
    typer.echo(f"wrote {len(town['features'])} regions to {output}")
