"""``hub documents``: the trusted documents production runs (and nothing else)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from graphql import GraphQLError, parse

from hub.cli.common import audit_admin, fail, run, security, state
from hub.config import Settings

app = typer.Typer(help="Trusted documents.", no_args_is_help=True)


@app.command()
def register(
    context: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A .graphql file: one document.", exists=True, dir_okay=False)
    ],
) -> None:
    """Register FILE's document; clients then send its sha256 (or its exact text)."""
    text = file.read_text(encoding="utf-8")
    try:
        parse(text)
    except GraphQLError as error:
        raise fail(f"{file.name} is not a GraphQL document: {error.message}", code=2) from error
    digest, new = run(_register(state(context).settings(), text, file.name))
    typer.echo(f"{'registered' if new else 'already registered'} {file.name}")
    typer.echo(f"sha256:{digest}")


async def _register(settings: Settings, text: str, name: str) -> tuple[str, bool]:
    async with security(settings) as services:
        digest, new = await services.documents.register(text, name)
        if new:
            await audit_admin(services, "documents register", f"TrustedDocument:{digest}")
        return digest, new


@app.command("list")
def list_documents(context: typer.Context) -> None:
    """Every registered document: its hash and name."""

    async def go() -> list[tuple[str, str]]:
        async with security(state(context).settings()) as services:
            return [(row.sha256, row.name) for row in await services.documents.list()]

    for digest, name in run(go()):
        typer.echo(f"sha256:{digest}  {name}")
