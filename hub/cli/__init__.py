"""The ``hub`` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli import (
    audit_cmd,
    connectors_cmd,
    crosswalk,
    db,
    documents,
    events,
    grids,
    keys,
    report_cmd,
    schema_cmd,
    serve,
    stats_cmd,
)
from hub.cli.common import State

app = typer.Typer(
    help="Grid hub: one graph and one event bus over grid-governance systems.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    context: typer.Context,
    config: Annotated[
        Path | None, typer.Option(help="A TOML settings file.", envvar="HUB_CONFIG")
    ] = None,
) -> None:
    context.obj = State(config)


app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.add_typer(db.app, name="db")
app.add_typer(events.app, name="events")
app.add_typer(stats_cmd.app, name="stats")
app.add_typer(report_cmd.app, name="report")
app.add_typer(grids.app, name="grids")
app.add_typer(crosswalk.app, name="crosswalk")
app.add_typer(schema_cmd.app, name="schema")
app.add_typer(keys.app, name="keys")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(documents.app, name="documents")
app.add_typer(connectors_cmd.listing, name="connectors")
app.add_typer(connectors_cmd.making, name="connector")


def main() -> None:
    app()
