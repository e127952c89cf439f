"""``hub schema``: the published SDL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.core.paths import CONTRACTS_DIR, PUBLISHED_SDL, contracts_to_write
from schema import print_sdl

app = typer.Typer(help="The unified graph's schema.", no_args_is_help=True)


@app.command("print")
def print_schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
    publish: Annotated[
        bool,
        typer.Option(
            help="Regenerate contracts/graph/schema.graphql (the checkout's; installed, "
            "./contracts/graph)."
        ),
    ] = False,
) -> None:
    """Print the federation subgraph SDL (what ``_service { sdl }`` returns)."""
    sdl = print_sdl()
    target = _published() if publish else output
    if target is None:
        typer.echo(sdl, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(sdl, encoding="utf-8")
    typer.echo(f"wrote {target}", err=True)


def _published() -> Path:
    return contracts_to_write() / PUBLISHED_SDL.relative_to(CONTRACTS_DIR)
