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
from hub.security.audit import AuditFilter, Report, export, new_signing_key, verify

app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@app.command("verify")
def verify_command(context: typer.Context) -> None:
    """Recompute the whole chain; exit 1 naming the first bad entry, if any."""
    report = run(_verify(state(context).settings()))
    if not report.ok:
        raise fail(f"audit chain broken at {report.first_bad} ({report.entries} good before it)")
    typer.echo(f"audit chain intact: {report.entries} entries, {report.checkpoints} checkpoints")


async def _verify(settings: Settings) -> Report:
    async with security(settings) as services:
        return await verify(services.database, services.audit.signer.verifier)


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

    async def go() -> int:
        async with security(state(context).settings()) as services:
            return await services.audit.checkpoint()

    typer.echo(f"checkpoint at entry {run(go())}")


@app.command()
def keygen() -> None:
    """Print a new Ed25519 signing key for HUB_SECURITY__AUDIT_SIGNING_KEY."""
    typer.echo(new_signing_key())


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)
