"""``hub events``: follow the stream, rebuild the ledger, run bus roles, check rules."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from connectors.sdk import discover
from hub.bus import BusSettings, CloudEvent, MalformedEventError, Record, Role
from hub.cli.common import fail, run, state
from hub.cli.heap import limit_arenas, settle_heap
from hub.config import Settings
from hub.events import EventFilter, LiveUpdate, Taxonomy, TaxonomyError
from hub.events import replay as replay_ledger
from hub.events.contracts import write_contracts, write_schemas
from hub.events.live import decode
from hub.routing import Rules, RulesError
from hub.services import Services
from hub.services.contributions import ContributionError, Contributions

app = typer.Typer(help="The grid-event bus.", no_args_is_help=True)


@app.command()
def tail(
    context: typer.Context,
    grid: Annotated[str | None, typer.Option(help="A region code: its grids' events only.")] = None,
    department: Annotated[str | None, typer.Option(help="One department's events only.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Start at this time (ISO 8601) instead of now.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Stop after this many events.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """Print grid events as they happen, until Ctrl-C."""
    settings = state(context).settings()
    where = EventFilter(within=grid, departments=(department,) if department else ())
    run(_tail(settings, where, _utc(since), limit, as_json))


async def _tail(
    settings: Settings, where: EventFilter, since: datetime | None, limit: int | None, as_json: bool
) -> None:
    services = Services.create(settings)
    stream = services.bus.backend.tail([services.bus.topics.grid_events], since=since)
    printed = 0
    try:
        await stream.start()
        while limit is None or printed < limit:
            for record in await stream.fetch(100, max_wait=1.0):
                update = _update(record)
                if update is not None and where.matches(update):
                    typer.echo(_json(update) if as_json else _line(update))
                    printed += 1
    finally:
        await stream.stop()
        await services.aclose()


def _update(record: Record) -> LiveUpdate | None:
    try:
        return decode(CloudEvent.from_record(record))
    except MalformedEventError:
        return None


def _line(update: LiveUpdate) -> str:
    departments = ",".join(update.departments) or "-"
    note = f"  {update.step.note}" if update.step.note else ""
    return (
        f"{update.occurred_at:%Y-%m-%d %H:%M:%S}  {update.type.step:<10} {update.event_id}  "
        f"{update.grid_code}  {update.status:<11} {update.category:<28} {departments}{note}"
    )


def _json(update: LiveUpdate) -> str:
    body = {
        "id": update.id,
        "type": update.type.value,
        "time": update.occurred_at.isoformat(),
        "gridid": update.grid_code,
        "data": update.step.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
    return json.dumps(body, ensure_ascii=False)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@app.command()
def replay(
    context: typer.Context,
    from_: Annotated[
        datetime,
        typer.Option("--from", help="Re-apply events since this time (UTC if naive)."),
    ],
    reset: Annotated[
        bool, typer.Option(help="Empty the ledger first; give a --from before its first event.")
    ] = False,
) -> None:
    """Rebuild the ledger from grid.events; applying an event twice changes nothing."""
    settings = state(context).settings()
    services = Services.create(settings)
    applied = run(_replay(services, _utc(from_), reset))
    typer.echo(f"replayed {applied} events into the ledger")


async def _replay(services: Services, since: datetime | None, reset: bool) -> int:
    try:
        bus = services.bus
        log = (bus.backend, bus.topics.grid_events)
        return await replay_ledger(services.database, log, bus.projection, since, reset=reset)
    finally:
        await services.aclose()


@app.command("run")
def run_roles(
    context: typer.Context,
    role: Annotated[
        list[Role] | None, typer.Option(help="Repeat for several; default: all but live.")
    ] = None,
) -> None:
    """Run bus roles (router, dispatch, ledger, relay, feeds) without the HTTP server."""
    settings = state(context).settings()
    roles = set(role or set(Role) - {Role.LIVE})
    limit_arenas()
    run(_run_roles(Services.create(settings), roles), settings.event_loop)


async def _run_roles(services: Services, roles: set[Role]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await services.registry.refresh()
        await services.bus.start(roles)
        await settle_heap()  # as in a serving process: start-up's objects are never walked again
        typer.echo(f"running: {', '.join(sorted(roles))}", err=True)
        await stop.wait()
    finally:
        await services.aclose()


@app.command()
def check(
    context: typer.Context,
    rules: Annotated[
        Path | None, typer.Option(help="A rules file; default: the configured one.")
    ] = None,
) -> None:
    """Check the taxonomy and routing rules, the installed connectors' with them; exit 2
    naming every problem."""
    bus: BusSettings = state(context).settings().bus
    try:
        given = Contributions.of(discover())
        departments = given.department_codes
        taxonomy = Taxonomy.load_all(bus.taxonomy_file, given.taxonomy_files, departments)
        checked = Rules.load_all(
            rules or bus.routing_rules_file,
            given.rule_sources,
            taxonomy,
            departments,
            given.feed_types,
        )
    except (TaxonomyError, RulesError, ContributionError) as error:
        raise fail(str(error), code=2) from error
    typer.echo(f"{len(taxonomy)} categories and {len(checked.rules)} routing rules are valid")


@app.command()
def contracts(
    publish: Annotated[
        bool,
        typer.Option(
            help="Rewrite the hub's own contracts/events/*.json (the checkout's; installed, "
            "./contracts/events)."
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write the whole contract here: every event schema, with each installed "
            "connector's feed types, and asyncapi.yaml listing them all."
        ),
    ] = None,
) -> None:
    """The JSON Schema of every event type and the AsyncAPI document, from the code."""
    if out is not None:
        given = Contributions.of(discover())
        written = write_contracts(out, given.feed_types, given.department_codes)
        typer.echo(f"wrote {len(written)} files into {out}")
    if publish or out is None:
        schemas = write_schemas(check_only=not publish)
        verb = "wrote" if publish else "would write"
        typer.echo(f"{verb} {len(schemas)} schemas" + ("" if publish else " (use --publish)"))
