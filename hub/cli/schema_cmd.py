"""``hub schema``: the published SDL.

Printing builds the schema in this process and touches nothing else: no database, no
department system, no broker. A supergraph pipeline composes from the file it writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import fail, state
from hub.config import FederationSettings
from hub.core.paths import CONTRACTS_DIR, PUBLISHED_SDL, contracts_to_write
from schema import print_sdl

app = typer.Typer(help="The unified graph's schema.", no_args_is_help=True)


@app.command("print")
def print_schema(
    context: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
    auth_directives: Annotated[
        bool | None,
        typer.Option(
            "--auth-directives/--no-auth-directives",
            help="Publish @requiresScopes; default: HUB_FEDERATION__AUTH_DIRECTIVES (on). "
            "Off for Apollo Gateway, which refuses a supergraph linking it.",
        ),
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
    federation = _federation(context, auth_directives)
    if publish and not federation.auth_directives:
        raise fail("the published contract carries the authorization directives", code=2)
    sdl = print_sdl(federation)
    target = _published() if publish else output
    if target is None:
        typer.echo(sdl, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(sdl, encoding="utf-8")
    typer.echo(f"wrote {target}", err=True)


def _federation(context: typer.Context, auth_directives: bool | None) -> FederationSettings:
    federation = state(context).settings().federation
    if auth_directives is None:
        return federation
    return federation.model_copy(update={"auth_directives": auth_directives})


def _published() -> Path:
    return contracts_to_write() / PUBLISHED_SDL.relative_to(CONTRACTS_DIR)
