"""Assembling a simulator: a system's routes behind the toolkit's middleware and admin.

A simulated system is a class with ``routes()`` (its API), ``advance()`` (one record's
next step, for ``/_admin/advance``) and ``progress()`` (one random step of the world,
for the demo's background pace). ``simulator_app`` adds the rest::

    def create_app(settings: SimulatorSettings | None = None) -> Starlette:
        settings = settings or SimulatorSettings()
        system = MySystem(settings)
        auth = ApiKeyAuth({"my-key": "grid-hub"})
        return simulator_app(system, auth=auth, style=MyErrors(), settings=settings)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from connectors.sdk.simulation.admin import Advancing, admin_routes
from connectors.sdk.simulation.auth import Authenticator
from connectors.sdk.simulation.clock import Clock
from connectors.sdk.simulation.errors import ErrorStyle, exception_handlers
from connectors.sdk.simulation.limits import RateLimiter
from connectors.sdk.simulation.middleware import Controls, SimulatorMiddleware

log = logging.getLogger(__name__)

DEFAULT_SEED = 20261123
DEFAULT_ADMIN_TOKEN = "simulator-admin"  # noqa: S105 - a loopback test control, not a secret
# Wire forms a simulator keeps of each kind of record, rendered once per version: the
# biggest page (100 records) and more. The demo reads every system's history at its
# first start; with 4,096 kept, the forms of records no one asked for again stayed.
RENDERED = 256


@dataclass(frozen=True)
class SimulatorSettings:
    """What every simulator takes; credentials are each system's own arguments."""

    seed: int = DEFAULT_SEED
    as_of: datetime | None = None  # the seeded history ends here; default: now
    per_second: float = 500.0  # rate limit per client: high enough for the demo and benches
    burst: int = 1000
    admin_token: str = DEFAULT_ADMIN_TOKEN
    progress_seconds: float | None = None  # the demo's pace: one step every so many seconds
    clock: Clock = field(default_factory=Clock)

    def history_end(self) -> datetime:
        end = self.as_of or self.clock.now()
        return end.replace(microsecond=0)


class System(Advancing, Protocol):
    def routes(self) -> list[BaseRoute]: ...

    def progress(self, rng: random.Random) -> None:
        """One step of the world: a record moves on, or a new one arrives."""
        ...


def simulator_app(
    system: System, *, auth: Authenticator, style: ErrorStyle, settings: SimulatorSettings
) -> Starlette:
    controls = Controls(
        RateLimiter(settings.per_second, settings.burst),
        random=random.Random(settings.seed),
    )
    public = auth.routes()
    api = [*public, *system.routes()]
    app = Starlette(
        routes=[*admin_routes(controls, system, settings.admin_token), *api],
        middleware=[
            Middleware(
                SimulatorMiddleware,
                controls=controls,
                auth=auth,
                style=style,
                routes=api,
                public_paths=frozenset(str(getattr(r, "path", "")) for r in public),
            )
        ],
        exception_handlers=exception_handlers(style),
        lifespan=_pace(system, settings),
    )
    app.state.controls = controls
    app.state.system = system
    return app


def _pace(
    system: System, settings: SimulatorSettings
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if settings.progress_seconds is None:
            yield
            return
        task = asyncio.create_task(_progress(system, settings.progress_seconds, settings.seed))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


async def _progress(system: System, seconds: float, seed: int) -> None:
    rng = random.Random(seed)
    while True:
        await asyncio.sleep(seconds)
        try:
            system.progress(rng)
        except Exception:
            log.exception("simulated progress failed; the simulator carries on")
