"""What several benchmarks share: a migrated SQLite town, unthrottled, and keys for it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette

from connectors.sdk.simulation import generate_town
from hub.config import Settings
from hub.db import migrate
from hub.db.engine import Database
from hub.registry.importer import import_document
from hub.security.keys import KeyRequest
from hub.services import Services
from schema import HubContext


def unthrottled(settings: Settings) -> Settings:
    """The per-principal rate limit lifted: a benchmark is one principal sending as fast
    as it can, which the limiter is there to stop."""
    settings.security.rate_limit.per_second = 1e9
    settings.security.rate_limit.burst = 10**9
    return settings


async def prepared(folder: Path) -> Settings:
    """Settings over a fresh SQLite database holding the demo town, unthrottled."""
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    database = Database(url)
    await migrate.upgrade(database)
    await import_document(database, generate_town(), "bench")
    await database.aclose()
    return unthrottled(Settings(database_url=url, log_level="WARNING"))


async def make_keys(app: Starlette, requests: dict[str, KeyRequest]) -> dict[str, str]:
    """An API key for each request, made in the running app's key store."""
    keys = app.state.services.security.keys
    return {label: (await keys.create(request))[1] for label, request in requests.items()}


async def signed_in(services: Services) -> Callable[[], HubContext]:
    """Request contexts for in-process execution as a command-centre key's holder."""
    _, key = await services.security.keys.create(KeyRequest("bench", ("command",)))
    principal = await services.security.authenticator.authenticate(key)
    return lambda: HubContext(services, principal=principal, credential=key)
