"""``hub schema``: the published SDL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.core.paths import PUBLISHED_SDL
from schema import print_sdl

app = typer.Typer(help="The unified graph's schema.", no_args_is_help=True)


@app.command("print")
def print_schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
    publish: Annotated[
        bool, typer.Option(help="Regenerate contracts/graph/schema.graphql.")
    ] = False,
) -> None:
    """Print the federation subgraph SDL (what ``_service { sdl }`` returns)."""
    sdl = print_sdl()
    target = PUBLISHED_SDL if publish else output
    if target is None:
        typer.echo(sdl, nl=False)
        return
    target.write_text(sdl, encoding="utf-8")
    typer.echo(f"wrote {target}", err=True)
