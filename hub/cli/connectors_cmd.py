"""``hub connectors list``, ``hub connectors record`` and ``hub connector new``: the
connectors, their recorded examples, and making one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from connectors.sdk import Connector, Connectors, UpstreamError, discover
from connectors.sdk.scaffold import ScaffoldError, scaffold
from hub.cli.common import fail, run, state

listing = typer.Typer(help="The connectors to department systems.", no_args_is_help=True)
making = typer.Typer(help="Make a connector.", no_args_is_help=True)


@listing.command("list")
def list_connectors(
    context: typer.Context,
    probe: Annotated[bool, typer.Option(help="Call each system once to see it answer.")] = True,
) -> None:
    """Each connector: its department, state, base URL and health."""
    settings = state(context).settings()
    connectors = Connectors.create(settings.connectors, classes=discover())
    rows = run(_rows(connectors, probe))
    typer.echo(f"{'NAME':<12}{'DEPARTMENT':<12}{'STATE':<15}{'HEALTH':<36} BASE URL")
    for row in rows:
        typer.echo(row)


async def _rows(connectors: Connectors, probe: bool) -> list[str]:
    try:
        return [await _row(connector, probe) for connector in connectors]
    finally:
        await connectors.aclose()


async def _row(connector: Connector, probe: bool) -> str:
    health = await _health(connector) if probe else "not probed"
    url = connector.settings.base_url or "-"
    return (
        f"{connector.name:<12}{connector.department:<12}{connector.state.value:<15}"
        f"{health:<36} {url}"
    )


async def _health(connector: Connector) -> str:
    if connector.problem or not connector.settings.enabled:
        return connector.problem or "off"
    try:
        seconds = await connector.probe()
    except UpstreamError as error:
        return f"DOWN {error.code.value}"
    except NotImplementedError:
        return "no probe"
    return f"UP {seconds * 1000:.0f} ms"


@listing.command("record")
def record(
    names: Annotated[
        list[str] | None, typer.Argument(help="Connectors to record (default: every one).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Write DIR/<name>/examples; default: beside each one's contract."),
    ] = None,
) -> None:
    """Record example exchanges with each connector's simulator: a page and an item of
    every stream, the connector's own scenarios, and 401, 429 and 503."""
    # The simulators are imported here: the other commands must not load them.
    from hub.demo.recorder import chosen, record_all  # noqa: PLC0415

    try:
        systems = chosen(names or [])
    except KeyError as unknown:
        raise fail(str(unknown.args[0]), code=2) from unknown
    written = run(record_all(output, systems))
    typer.echo(f"recorded {len(written)} exchanges of {len(systems)} systems")


@making.command("new")
def new(
    name: Annotated[str, typer.Argument(help="The connector's name, e.g. water.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to make it.")] = Path(),
    title: Annotated[str | None, typer.Option(help="The system's name, for docs.")] = None,
) -> None:
    """Scaffold hub-connector-NAME: a connector package that passes its tests at once."""
    try:
        made = scaffold(name, output, title)
    except ScaffoldError as error:
        raise fail(str(error), code=2) from error
    typer.echo(f"made {made.root} ({len(made.files)} files); run its tests with pytest there")
