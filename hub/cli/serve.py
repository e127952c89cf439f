"""``hub serve`` and ``hub demo``."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from strawberry.utils.str_converters import to_camel_case

from hub.app import Companion, create_app
from hub.cli.common import fail, run, state
from hub.cli.db import upgrade_apart
from hub.cli.heap import limit_arenas, settle_heap
from hub.cli.websocket import websocket_protocol
from hub.cli.workers import for_worker, shared_socket, supervise, worker_count, worker_index
from hub.config import Settings
from hub.core.codes import RegionLevel
from hub.db import migrate
from hub.registry import store
from hub.security.keys import KeyRequest
from hub.services import Services

if TYPE_CHECKING:
    from hub.demo.simulators import DemoSystems

HostOption = Annotated[str | None, typer.Option(help="Interface to listen on.")]
PortOption = Annotated[int | None, typer.Option(help="Port to listen on.")]
WorkersOption = Annotated[
    int | None,
    typer.Option(min=0, help="Processes serving the port (HUB_WORKERS); 0: one per core."),
]


def serve(
    context: typer.Context,
    host: HostOption = None,
    port: PortOption = None,
    workers: WorkersOption = None,
) -> None:
    """Run the hub on an already migrated database."""
    overrides = {} if workers is None else {"workers": workers}
    settings = _with_address(state(context).settings(**overrides), host, port)
    index = worker_index()
    if index is None and worker_count(settings) > 1:
        raise typer.Exit(supervise(settings, state(context).config))
    if index is not None:
        settings = for_worker(settings, index)
    limit_arenas()
    services = Services.create(settings)
    listener = shared_socket(settings.host, settings.port) if index is not None else None
    run(_serve(services, listener), settings.event_loop)


async def _serve(services: Services, listener: socket.socket | None) -> None:
    current = await migrate.current_revision(services.database)
    if current != migrate.head_revision():
        await services.aclose()
        raise fail(f"database is at revision {current}, not the newest; run `hub db upgrade`")
    await _run_server(services, listener)


ReportsOption = Annotated[
    float, typer.Option(help="Generated reports a minute (patrols, 12345 calls, storms); 0: none.")
]


TimeScaleOption = Annotated[
    float,
    typer.Option(
        min=1,
        help="Time limits run this many times faster than the working calendar, so some "
        "events run late and escalate within minutes; 1: as the calendar says.",
    ),
]


FIRST_SIMULATOR_PORT = 8101  # where the built-in contracts' servers start
SimulatorPortBaseOption = Annotated[
    int,
    typer.Option(
        min=0,
        max=65535,
        help="Port of the first department simulator; the others follow, in connector "
        "name order. 0: any free ports.",
    ),
]
SimulatorPortOption = Annotated[
    list[str] | None,
    typer.Option(
        metavar="NAME=PORT",
        help="Serve connector NAME's simulator on PORT (repeat for more).",
    ),
]


def demo(  # noqa: PLR0913, PLR0917 - each is one command-line option
    context: typer.Context,
    host: HostOption = None,
    port: PortOption = None,
    reports_per_minute: ReportsOption = 30,
    time_scale: TimeScaleOption = 240,
    simulator_port_base: SimulatorPortBaseOption = FIRST_SIMULATOR_PORT,
    simulator_port: SimulatorPortOption = None,
) -> None:
    """Run the hub on the demo town, with the simulator of every installed connector that
    ships one beside it on loopback ports; the town is generated into the database on
    first run, and generated reports keep it alive."""
    overrides = {} if "HUB_LOG_FORMAT" in os.environ else {"log_format": "console"}
    settings = _with_address(state(context).settings(**overrides), host, port)
    given = _named_ports(simulator_port or [])
    settings = _with_time_scale(settings, time_scale)
    limit_arenas()
    run(_demo(settings, reports_per_minute, simulator_port_base, given), settings.event_loop)


def _named_ports(options: list[str]) -> dict[str, int]:
    ports = {}
    for option in options:
        name, _, number = option.partition("=")
        if not (name and number.isdigit() and int(number) < 65536):
            raise fail(f"--simulator-port takes NAME=PORT, not {option!r}", code=2)
        ports[name] = int(number)
    return ports


async def _demo(
    settings: Settings, reports_per_minute: float, first_port: int, given_ports: dict[str, int]
) -> None:
    # The demo town and the simulators are imported here, not above: `hub serve` loads
    # this module and must not load them.
    from connectors.sdk.simulation import demo_town  # noqa: PLC0415
    from hub.demo.departments import (  # noqa: PLC0415
        departments,
        lay_crosswalk,
        pointed_at,
        simulator_ports,
    )
    from hub.demo.simulators import demo_systems  # noqa: PLC0415

    systems = demo_systems()
    unknown = set(given_ports) - set(systems)
    if unknown:
        raise fail(f"--simulator-port names no simulated connector: {', '.join(sorted(unknown))}")
    town = demo_town.generate_town()
    ports = simulator_ports(systems, first_port, given_ports)
    async with departments(town, ports=ports, systems=systems) as urls:
        services = Services.create(pointed_at(settings, urls, systems))
        await upgrade_apart(services.database, settings.database_url)
        async with services.database.session() as session:
            empty = await store.revision(session) == 0
        if empty:
            result = await services.registry.import_document(town, source="demo town")
            typer.echo(
                f"generated the demo town: {result.regions} regions, "
                f"{result.workers} grid workers, {result.branches} party branches"
            )
        await lay_crosswalk(services.crosswalk, town, systems)
        fields = [name for system in systems.values() for name in system.grid_fields]
        typer.echo(await _banner(services, urls, fields, await _demo_key(services)))
        companions = [
            *await _report_generator(services, reports_per_minute),
            *_loop_people(services, reports_per_minute),
            *_departments_at_work(services, urls, systems),
            _patrollers(services),
        ]
        await _run_server(services, companions=companions)


async def _report_generator(services: Services, per_minute: float) -> list[Companion]:
    if per_minute <= 0:
        return []
    from hub.demo.reports import ReportGenerator  # noqa: PLC0415 - demo only, as in _demo

    await services.registry.refresh()
    async with services.database.session() as session:
        places = await store.page(session, RegionLevel.MICRO_GRID, None, None, 10_000)
    workers = services.registry.snapshot.workers
    return [ReportGenerator(services.bus.intake, places, per_minute, workers=workers).run]


def _loop_people(services: Services, per_minute: float) -> list[Companion]:
    """Grid workers verifying and callers rating, when the demo generates reports."""
    if per_minute <= 0:
        return []
    from hub.demo.steps import LoopPeople  # noqa: PLC0415 - demo only, as in _demo

    return [LoopPeople(services.database, services.bus.steps, registry=services.registry).run]


def _patrollers(services: Services) -> Companion:
    """Grid workers keeping their routines (三查) on the demo's clock."""
    from hub.demo.patrols import DemoPatrols  # noqa: PLC0415 - demo only, as in _demo

    return DemoPatrols(services.patrols, services.bus.intake).run


def _departments_at_work(
    services: Services, urls: dict[str, str], systems: DemoSystems
) -> list[Companion]:
    """The departments' people: working the orders the hub sends their systems, and at
    the workbench's desks for the departments without one."""
    from hub.demo.desks import DemoDesks  # noqa: PLC0415 - demo only, as in _demo
    from hub.demo.staff import DepartmentStaff  # noqa: PLC0415

    connectors = {name: system.connector for name, system in systems.items()}
    staff = DepartmentStaff(services.database, urls, connectors)
    desks = DemoDesks(services.database, services.bus.workbench)
    return [staff.run, desks.run]


DEMO_KEY_NAME = "demo"


async def _demo_key(services: Services) -> str:
    """A fresh command-centre key for this run; the last run's is revoked (dev mode only)."""
    keys = services.security.keys
    for old in await keys.list():
        if old.name == DEMO_KEY_NAME and old.revoked_at is None:
            await keys.revoke(old.id)
    _, secret = await keys.create(KeyRequest(DEMO_KEY_NAME, ("command", "auditor")))
    return secret


async def _run_server(
    services: Services,
    listener: socket.socket | None = None,
    companions: Sequence[Companion] = (),
) -> None:
    settings = services.settings
    config = uvicorn.Config(
        create_app(services=services, companions=[settle_heap, *companions]),
        host=settings.host,
        port=settings.port,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        timeout_keep_alive=settings.keep_alive_seconds,
        ws=websocket_protocol(settings.websocket_compression_min_bytes),
        ws_per_message_deflate=settings.websocket_compression,
    )
    await uvicorn.Server(config).serve(sockets=[listener] if listener else None)


def _department_records(grid_fields: list[str], since: str) -> str:
    """The banner's lines asking a grid for each simulated department's recent records."""
    return "\n".join(
        f'      {to_camel_case(name)}(where: {{since: "{since}"}}) {{ totalCount }}'
        for name in grid_fields
    )


def _with_time_scale(settings: Settings, scale: float) -> Settings:
    timers = settings.bus.timers.model_copy(update={"time_scale": scale})
    return settings.model_copy(update={"bus": settings.bus.model_copy(update={"timers": timers})})


def _with_address(settings: Settings, host: str | None, port: int | None) -> Settings:
    update = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    return settings.model_copy(update=update)


async def _banner(
    services: Services, departments: dict[str, str], grid_fields: list[str], key: str
) -> str:
    async with services.database.session() as session:
        sample = await store.page(session, RegionLevel.MICRO_GRID, None, None, 1)
        street = await store.page(session, RegionLevel.STREET, None, None, 1)
    lat, lon = (sample[0].centroid_lat, sample[0].centroid_lon) if sample else (0.0, 0.0)
    street_code = street[0].code if street else "330199001"
    community_code = f"{street_code}001"
    since = (datetime.now(UTC) - timedelta(days=7)).replace(microsecond=0).isoformat()
    origin = f"http://{services.settings.host}:{services.settings.port}"
    url = f"{origin}/graphql"
    headers = json.dumps({"Authorization": f"Bearer {key}", "X-Purpose": "demo"})
    systems = "\n".join(f"  {name:<9} {address}" for name, address in departments.items())
    return f"""
Command centre console (指挥中心), signed in with this run's key:

  {origin}/console#key={key}

GraphiQL: {url}

Anonymous requests may only read the schema. Paste these into GraphiQL's Headers tab
(a command-centre and auditor key, made for this run; X-Purpose because the answers
hold names and phone numbers, and each such read goes into the audit trail):

  {headers}

Department systems (simulated):
{systems}

Try these:

  {{ grids(first: 100) {{ totalCount edges {{ node {{ code name }} }} }} }}

  {{ gridAt(lat: {lat}, lon: {lon}) {{
      grid {{ code name leader {{ name phone }} partyBranch {{ name memberCount }} }}
      microGrid {{ code name address }}
      community {{ name }} }} }}

  {{ region(code: "{street_code}") {{ name
      ... on Street {{ communities {{ name households grids {{ code name }} }} }} }} }}

  {{ region(code: "{community_code}") {{ name ... on Community {{ grids {{ code name
{_department_records(grid_fields, since)}
  }} }} }} }}

  {{ connectors {{ name health breaker latencyP50Ms errorRate }} }}

  subscription {{ gridEvents(filter: {{ within: "{street_code}" }}) {{
      step eventId gridCode status category departments note }} }}

  {{ events(first: 5) {{ edges {{ node {{ id title status leadDepartment {{ name }}
      timeline {{ step status occurredAt source }} }} }} }} }}

  # late events: escalated past the grid, with the time left (negative when overdue)
  {{ events(first: 5, filter: {{ levels: [2, 3, 4] }}) {{ edges {{ node {{
      id title level deadline timeLeft overdue leadDepartment {{ name }} }} }} }} }}

  # a street supervisor: what is escalated to the street
  subscription {{ gridEvents(filter: {{ within: "{street_code}", levels: [3] }}) {{
      step eventId gridCode category departments note }} }}

  {{ auditLog(first: 10) {{ seq action principal field record purpose }} }}

Ctrl-C stops the hub.
"""
