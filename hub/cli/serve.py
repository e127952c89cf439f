"""``hub serve`` and ``hub demo``."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
import uvicorn

from hub.app import create_app
from hub.cli.common import fail, run, state
from hub.config import Settings
from hub.db import migrate
from hub.demo.reports import ReportGenerator
from hub.demo.town import generate_town
from hub.registry import store
from hub.registry.codes import RegionLevel
from hub.services import Services

HostOption = Annotated[str | None, typer.Option(help="Interface to listen on.")]
PortOption = Annotated[int | None, typer.Option(help="Port to listen on.")]


def serve(context: typer.Context, host: HostOption = None, port: PortOption = None) -> None:
    """Run the hub on an already migrated database."""
    settings = _with_address(state(context).settings(), host, port)
    services = Services.create(settings)
    run(_serve(services))


async def _serve(services: Services) -> None:
    current = await migrate.current_revision(services.database)
    if current != migrate.head_revision():
        await services.aclose()
        raise fail(f"database is at revision {current}, not the newest; run `hub db upgrade`")
    await _run_server(services)


ReportsOption = Annotated[
    float, typer.Option(help="Generated reports a minute (patrols, 12345 calls, storms); 0: none.")
]


def demo(
    context: typer.Context,
    host: HostOption = None,
    port: PortOption = None,
    reports_per_minute: ReportsOption = 30,
) -> None:
    """Run the hub on the demo town: generated into the database on first run."""
    overrides = {} if "HUB_LOG_FORMAT" in os.environ else {"log_format": "console"}
    settings = _with_address(state(context).settings(**overrides), host, port)
    run(_demo(Services.create(settings), reports_per_minute))


async def _demo(services: Services, reports_per_minute: float) -> None:
    await migrate.upgrade(services.database)
    async with services.database.session() as session:
        empty = await store.revision(session) == 0
    if empty:
        result = await services.registry.import_document(generate_town(), source="demo town")
        typer.echo(
            f"generated the demo town: {result.regions} regions, "
            f"{result.workers} grid workers, {result.branches} party branches"
        )
    typer.echo(await _banner(services))
    generator = await _report_generator(services, reports_per_minute)
    try:
        await _run_server(services)
    finally:
        if generator is not None:
            generator.cancel()


async def _report_generator(services: Services, per_minute: float) -> asyncio.Task[None] | None:
    if per_minute <= 0:
        return None
    await services.registry.refresh()
    async with services.database.session() as session:
        places = await store.page(session, RegionLevel.MICRO_GRID, None, None, 10_000)
    generator = ReportGenerator(services.bus.intake, places, per_minute)
    return asyncio.create_task(generator.run())


async def _run_server(services: Services) -> None:
    settings = services.settings
    config = uvicorn.Config(
        create_app(services=services),
        host=settings.host,
        port=settings.port,
        log_config=None,
        lifespan="on",
    )
    await uvicorn.Server(config).serve()


def _with_address(settings: Settings, host: str | None, port: int | None) -> Settings:
    update = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    return settings.model_copy(update=update)


async def _banner(services: Services) -> str:
    async with services.database.session() as session:
        sample = await store.page(session, RegionLevel.MICRO_GRID, None, None, 1)
        street = await store.page(session, RegionLevel.STREET, None, None, 1)
    lat, lon = (sample[0].centroid_lat, sample[0].centroid_lon) if sample else (0.0, 0.0)
    street_code = street[0].code if street else "330199001"
    url = f"http://{services.settings.host}:{services.settings.port}/graphql"
    return f"""
GraphiQL: {url}

Try these:

  {{ grids(first: 100) {{ totalCount edges {{ node {{ code name }} }} }} }}

  {{ gridAt(lat: {lat}, lon: {lon}) {{
      grid {{ code name leader {{ name phone }} partyBranch {{ name memberCount }} }}
      microGrid {{ code name address }}
      community {{ name }} }} }}

  {{ region(code: "{street_code}") {{ name
      ... on Street {{ communities {{ name households grids {{ code name }} }} }} }} }}

  subscription {{ gridEvents(filter: {{ within: "{street_code}" }}) {{
      step eventId gridCode status category departments note }} }}

  {{ events(first: 5) {{ edges {{ node {{ id title status leadDepartment {{ name }}
      timeline {{ step status occurredAt source }} }} }} }} }}

Dispatch items wait on dept.<department>.dispatch until a department's connector
(or its own Kafka consumer) takes them: watch them with `hub events tail`.

Ctrl-C stops the hub.
"""
