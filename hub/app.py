"""The Starlette app factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route, WebSocketRoute, request_response

from hub.config import Settings, load_settings
from hub.core.tasks import cancelled
from hub.http.console import Console
from hub.http.failures import OutageGuard, server_errors
from hub.http.gate import Gate
from hub.http.graphiql import GraphiQL
from hub.http.graphql import GraphQLEndpoint
from hub.http.middleware import RequestLog
from hub.http.probes import METRICS, metrics_endpoint, probes
from hub.http.reports import STATS, reports_endpoint
from hub.open311 import PREFIX as OPEN311
from hub.open311 import open311_mount
from hub.services import Services
from schema import build_schema

Companion = Callable[[], Coroutine[object, object, None]]
"""Work that runs beside the app for as long as it serves (the demo's people, for one)."""


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    companions: Sequence[Companion] = (),
) -> Starlette:
    services = services or Services.create(settings or load_settings())
    schema = build_schema(
        services.settings.graphql,
        services.metrics,
        security=services.settings.security,
        federation=services.settings.federation,
        dev=services.settings.dev,
    )
    console = Console()
    services.security.documents.ship(console.operations.values())  # its own, so trusted
    graphql = Gate(GraphQLEndpoint(schema, services), services.security)
    routes: list[BaseRoute] = [Route(path, e) for path, e in probes(services).items()]
    routes += [
        Route(
            "/metrics",
            Gate(request_response(metrics_endpoint(services)), services.security, scope=METRICS),
        ),
        Route(
            "/reports/{kind}",
            Gate(request_response(reports_endpoint(services)), services.security, scope=STATS),
            methods=["GET", "HEAD"],
        ),
        Route("/graphql", graphql),  # every method: the endpoint answers 405 itself, typed
        WebSocketRoute("/graphql", graphql),
        open311_mount(services),  # its own key check: Open311 sends api_key as a parameter
        *console.routes(),  # a page only: its data comes from /graphql with the user's key
    ]
    if services.settings.dev:
        routes += GraphiQL().routes()  # the GraphiQL page's files: nothing from a CDN
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestLog, metrics=services.metrics),
            Middleware(OutageGuard, open311_prefix=OPEN311),
        ],
        exception_handlers={
            Exception: server_errors(OPEN311)
        },  # typed, 503 when the database is away
        lifespan=_lifespan(services, companions),
    )
    app.state.services = services
    app.state.schema = schema
    return app


def _lifespan(
    services: Services, companions: Sequence[Companion]
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await services.registry.refresh()
        await services.crosswalk.refresh()
        await services.connectors.attach(services.crosswalk, services.registry)
        interval = services.settings.registry_refresh_seconds
        watchers = [
            asyncio.create_task(services.registry.watch(interval)),
            asyncio.create_task(services.crosswalk.watch(interval)),
            asyncio.create_task(
                services.connectors.watch(services.crosswalk, services.registry, interval)
            ),
        ]
        await services.bus.start()
        audit = services.security.audit
        audit.start(services.settings.security.audit_checkpoint_seconds)
        # Started last and stopped first: they write through the services, which must
        # outlive them (a write cut off by the closing database would hold its lock).
        beside = [asyncio.create_task(companion()) for companion in companions]
        try:
            yield
        finally:
            await cancelled(*beside, *watchers)
            await audit.aclose()
            await services.aclose()

    return lifespan
