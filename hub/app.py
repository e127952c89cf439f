"""The Starlette app factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route, WebSocketRoute

from hub.config import Settings, load_settings
from hub.http.graphql import GraphQLEndpoint
from hub.http.middleware import RequestLog
from hub.http.probes import probes
from hub.services import Services
from schema import build_schema


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    services = services or Services.create(settings or load_settings())
    schema = build_schema(services.settings.graphql, services.metrics)
    graphql = GraphQLEndpoint(schema, services)
    routes: list[BaseRoute] = [Route(path, e) for path, e in probes(services).items()]
    routes += [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(RequestLog, metrics=services.metrics)],
        lifespan=_lifespan(services),
    )
    app.state.services = services
    app.state.schema = schema
    return app


def _lifespan(services: Services) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await services.registry.refresh()
        await services.bus.start()
        watcher = asyncio.create_task(
            services.registry.watch(services.settings.registry_refresh_seconds)
        )
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await services.aclose()

    return lifespan
