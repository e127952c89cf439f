"""``hub audit``: verify the chain, export it for an auditor, sign a checkpoint, make a key."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import fail, run, security, state
from hub.config import Settings
from hub.db.types import utcnow
from hub.security.audit import (
    Anchor,
    AnchorError,
    AuditFilter,
    Report,
    export,
    new_signing_key,
    read_anchor,
    verify,
)

app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@app.command("verify")
def verify_command(
    context: typer.Context,
    anchor: Annotated[
        Path | None,
        typer.Option(help="The signed head kept outside the database; default: the setting."),
    ] = None,
) -> None:
    """Recompute the whole chain; exit 1 naming the first bad entry, if any."""
    settings = state(context).settings()
    signed_head = _anchor(anchor or settings.security.audit_anchor, given=anchor is not None)
    report = run(_verify(settings, signed_head))
    if not report.ok:
        raise fail(f"audit chain broken at {report.first_bad} ({report.entries} good before it)")
    reach = f", anchored at {signed_head.seq}" if signed_head else ""
    typer.echo(
        f"audit chain intact: {report.entries} entries, {report.checkpoints} checkpoints{reach}"
    )


def _anchor(path: Path | None, *, given: bool) -> Anchor | None:
    """The anchor file's head; a configured file not written yet (no checkpoint) is no anchor."""
    if path is None or (not given and not path.exists()):
        if path is not None:
            typer.echo(f"no audit anchor at {path} yet: checking without one", err=True)
        return None
    try:
        return read_anchor(path)
    except AnchorError as error:
        raise fail(str(error), code=2) from error


async def _verify(settings: Settings, anchor: Anchor | None) -> Report:
    async with security(settings) as services:
        return await verify(services.database, services.audit.signer.verifier, anchor)


@app.command("export")
def export_command(
    context: typer.Context,
    since: Annotated[datetime | None, typer.Option("--from", help="ISO 8601, inclusive.")] = None,
    until: Annotated[datetime | None, typer.Option("--to", help="ISO 8601, exclusive.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Write the entries in a time range as JSON lines, with the checkpoints that sign them."""
    where = AuditFilter(since=_utc(since), until=_utc(until))
    count, signed = run(_export(state(context).settings(), where, output))
    typer.echo(f"exported {count} entries and {signed} checkpoints", err=True)


async def _export(settings: Settings, where: AuditFilter, output: Path | None) -> tuple[int, int]:
    async with security(settings) as services:
        if output is None:
            return await export(services.database, where, sys.stdout)
        with output.open("w", encoding="utf-8") as out:
            return await export(services.database, where, out)


@app.command()
def checkpoint(context: typer.Context) -> None:
    """Sign the chain's head now (cron it to bound what an undetected truncation could drop)."""

    async def go() -> Anchor | None:
        async with security(state(context).settings()) as services:
            return await services.audit.checkpoint()

    signed = run(go())
    typer.echo(f"checkpoint at entry {signed.seq}" if signed else "the chain is empty")


@app.command()
def keygen() -> None:
    """Print a new Ed25519 signing key for HUB_SECURITY__AUDIT_SIGNING_KEY."""
    typer.echo(new_signing_key())


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)
