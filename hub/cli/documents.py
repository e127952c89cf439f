"""``hub documents``: the trusted documents production runs (and nothing else)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from graphql import GraphQLError, parse

from hub.cli.common import audit_admin, fail, run, security, state
from hub.config import Settings
from hub.security.manifests import Manifest, ManifestError, read_manifest

app = typer.Typer(help="Trusted documents.", no_args_is_help=True)

MANIFEST_SUFFIX = ".json"


@app.command()
def register(
    context: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="A .graphql file (one document), or a client's persisted query manifest "
            "(.json: Apollo's, or a map from SHA-256 to document).",
            exists=True,
            dir_okay=False,
        ),
    ],
) -> None:
    """Register FILE's documents; clients then send their sha256 (or their exact text)."""
    text = file.read_text(encoding="utf-8")
    if file.suffix.lower() == MANIFEST_SUFFIX:
        _register_manifest(state(context).settings(), text, file.name)
        return
    try:
        parse(text)
    except GraphQLError as error:
        raise fail(f"{file.name} is not a GraphQL document: {error.message}", code=2) from error
    [(digest, new)] = run(_register(state(context).settings(), [(text, file.name)]))
    typer.echo(f"{'registered' if new else 'already registered'} {file.name}")
    typer.echo(f"sha256:{digest}")


def _register_manifest(settings: Settings, text: str, source: str) -> None:
    try:
        manifest: Manifest = read_manifest(text, source)
    except ManifestError as error:
        raise fail(str(error), code=2) from error
    documents = [(document.body, document.name) for document in manifest.documents]
    registered = run(_register(settings, documents))
    new = sum(1 for _, is_new in registered if is_new)
    typer.echo(
        f"{source} ({manifest.format}): {new} registered, "
        f"{len(registered) - new} already registered"
    )
    for (digest, is_new), document in zip(registered, manifest.documents, strict=True):
        typer.echo(f"sha256:{digest}  {'new' if is_new else 'known'}  {document.name}")


async def _register(settings: Settings, documents: list[tuple[str, str]]) -> list[tuple[str, bool]]:
    async with security(settings) as services:
        registered = await services.documents.register_all(documents)
        for digest, new in registered:
            if new:
                await audit_admin(services, "documents register", f"TrustedDocument:{digest}")
        return registered


@app.command("list")
def list_documents(context: typer.Context) -> None:
    """Every registered document: its hash and name."""

    async def go() -> list[tuple[str, str]]:
        async with security(state(context).settings()) as services:
            return [(row.sha256, row.name) for row in await services.documents.list()]

    for digest, name in run(go()):
        typer.echo(f"sha256:{digest}  {name}")
