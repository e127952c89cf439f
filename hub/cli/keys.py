"""``hub keys``: API keys for department systems, created, listed and revoked live.

A change is in the database, so every replica sees it within
``HUB_SECURITY__PRINCIPAL_CACHE_SECONDS``; no restart is needed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from hub.cli.common import audit_admin, fail, run, security, state
from hub.config import Settings
from hub.security.keys import ApiKey, KeyRequest
from hub.security.roles import RoleError

app = typer.Typer(help="API keys.", no_args_is_help=True)


@app.command()
def create(
    context: typer.Context,
    name: Annotated[str, typer.Argument(help="Who the key is for, e.g. police-dispatch.")],
    role: Annotated[list[str], typer.Option(help="A role from contracts/security/roles.yaml.")],
    department: Annotated[str | None, typer.Option(help="The key holder's department.")] = None,
    grid: Annotated[list[str] | None, typer.Option(help="A grid it is limited to.")] = None,
    expires_days: Annotated[int | None, typer.Option(help="Valid for this many days.")] = None,
) -> None:
    """Create a key and print it: it is shown this once, and stored only as a hash."""
    request = KeyRequest(
        name=name,
        roles=tuple(role),
        department=department,
        grids=tuple(grid or ()),
        expires_in=timedelta(days=expires_days) if expires_days else None,
    )
    try:
        key, secret = run(_create(state(context).settings(), request))
    except RoleError as error:
        raise fail(str(error), code=2) from error
    typer.echo(f"created key {key.id} ({key.name}, roles {', '.join(key.roles)})")
    typer.echo(secret)


async def _create(settings: Settings, request: KeyRequest) -> tuple[ApiKey, str]:
    async with security(settings) as services:
        key, secret = await services.keys.create(request)
        await audit_admin(services, "keys create", f"ApiKey:{key.id}")
        return key, secret


@app.command()
def revoke(
    context: typer.Context, key_id: Annotated[str, typer.Argument(help="The key's id.")]
) -> None:
    """Revoke a key; it stops working on every replica within the principal cache time."""
    key = run(_revoke(state(context).settings(), key_id))
    if key is None:
        raise fail(f"no key {key_id}")
    typer.echo(f"revoked key {key.id} ({key.name})")


async def _revoke(settings: Settings, key_id: str) -> ApiKey | None:
    async with security(settings) as services:
        key = await services.keys.revoke(key_id)
        if key is not None:
            await audit_admin(services, "keys revoke", f"ApiKey:{key.id}")
        return key


@app.command("list")
def list_keys(context: typer.Context) -> None:
    """Every key: id, name, roles, scope and state; never the key itself."""
    for key in run(_list(state(context).settings())):
        status = "revoked" if key.revoked_at else "active"
        where = f" grids {','.join(key.grids)}" if key.grids else ""
        department = f" department {key.department}" if key.department else ""
        typer.echo(
            f"{key.id}  {key.prefix}…  {key.name}  [{', '.join(key.roles)}]"
            f"{department}{where}  {status}"
        )


async def _list(settings: Settings) -> list[ApiKey]:
    async with security(settings) as services:
        return await services.keys.list()
