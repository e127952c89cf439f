"""Shared fixtures: the demo town, migrated databases on both backends, and the app."""

from __future__ import annotations

import asyncio
import copy
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from connectors.sdk.simulation import generate_town
from hub.app import create_app
from hub.bus import Backend, Topics
from hub.config import Mode, Settings
from hub.db import migrate
from hub.db.engine import Database
from hub.registry.importer import import_document
from hub.registry.service import Registry
from hub.security.audit import new_signing_key
from hub.security.settings import SecuritySettings
from hub.services.bus import EventBus
from tests.support.buses import backend_for, fresh_topics
from tests.support.databases import fresh_postgres_database
from tests.support.departments import Departments, simulated_departments
from tests.support.events import make_bus
from tests.support.principals import bearer, make_keys

pytest_plugins = ["tests.support.dates"]  # HUB_TEST_DATE: the suite on another day
# Separate distributions with their own pytest configuration, run in their own directory
# (tests/connectors/test_fixture_packages.py), as their authors would.
collect_ignore = ["fixtures"]

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
BUS_BACKENDS = [
    "embedded-sqlite",
    pytest.param("embedded-postgres", marks=pytest.mark.postgres),
    pytest.param("kafka", marks=pytest.mark.kafka),
]


@pytest.fixture(scope="session")
def town_document() -> dict[str, Any]:
    return generate_town()


@pytest.fixture
def town(town_document: dict[str, Any]) -> dict[str, Any]:
    """A copy each test may change freely."""
    return copy.deepcopy(town_document)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated database: SQLite, and PostgreSQL when the suite has one."""
    if request.param == "sqlite":
        db = Database(sqlite_url(tmp_path / "hub.db"))
        await migrate.upgrade(db)
        yield db
        await db.aclose()
        return
    async with fresh_postgres_database() as url:
        db = Database(url)
        await migrate.upgrade(db)
        yield db
        await db.aclose()


@asynccontextmanager
async def migrated(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        await migrate.upgrade(db)
        yield db
    finally:
        await db.aclose()


@dataclass
class BusEnv:
    """A bus backend with the database beside it (the outbox, the ledger)."""

    kind: str
    database: Database
    backend: Backend
    topics: Topics


@pytest.fixture(params=BUS_BACKENDS)
async def bus_env(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BusEnv]:
    """Every bus backend: the embedded log on SQLite and PostgreSQL, and real Kafka."""
    kind: str = request.param
    async with AsyncExitStack() as stack:
        if kind == "embedded-postgres":
            url = await stack.enter_async_context(fresh_postgres_database())
        else:
            url = sqlite_url(tmp_path / "bus.db")
        db = await stack.enter_async_context(migrated(url))
        backend = await stack.enter_async_context(
            backend_for("kafka" if kind == "kafka" else "embedded", db)
        )
        yield BusEnv(kind, db, backend, fresh_topics())


@dataclass
class TownBus:
    """The demo town in the bus's database, and a bus over it (not started)."""

    env: BusEnv
    registry: Registry
    bus: EventBus


@pytest.fixture
async def town_bus(bus_env: BusEnv, town_document: dict[str, Any]) -> TownBus:
    await import_document(bus_env.database, town_document, "demo town")
    registry = Registry(bus_env.database)
    await registry.refresh()
    bus = make_bus(bus_env.database, bus_env.backend, bus_env.topics, registry)
    return TownBus(bus_env, registry, bus)


@pytest.fixture
async def embedded_town_bus(tmp_path: Path, town_database_file: Path) -> AsyncIterator[TownBus]:
    """The town bus on the embedded log in SQLite only: for tests about payloads, not backends."""
    path = tmp_path / "hub.db"
    shutil.copy(town_database_file, path)
    async with migrated(sqlite_url(path)) as db, backend_for("embedded", db) as backend:
        registry = Registry(db)
        await registry.refresh()
        env = BusEnv("embedded-sqlite", db, backend, fresh_topics())
        yield TownBus(env, registry, make_bus(db, backend, env.topics, registry))


@pytest.fixture(scope="session")
def town_and_keys(
    tmp_path_factory: pytest.TempPathFactory, town_document: dict[str, Any]
) -> tuple[Path, dict[str, str]]:
    """A SQLite file holding the imported demo town and a key per test principal."""
    path = tmp_path_factory.mktemp("town") / "town.db"

    async def build() -> dict[str, str]:
        db = Database(sqlite_url(path))
        await migrate.upgrade(db)
        await import_document(db, town_document, "demo town")
        keys = await make_keys(db)
        await db.aclose()
        return keys

    return path, asyncio.run(build())


@pytest.fixture(scope="session")
def town_database_file(town_and_keys: tuple[Path, dict[str, str]]) -> Path:
    return town_and_keys[0]


@pytest.fixture(scope="session")
def keys(town_and_keys: tuple[Path, dict[str, str]]) -> dict[str, str]:
    """API keys in the town database, by principal: see tests/support/principals.py."""
    return town_and_keys[1]


@pytest.fixture
def town_settings(tmp_path: Path, town_database_file: Path) -> Settings:
    path = tmp_path / "hub.db"
    shutil.copy(town_database_file, path)
    return Settings(database_url=sqlite_url(path))


def in_production(settings: Settings) -> Settings:
    """``settings`` in production mode, with the audit signing key production requires."""
    security = SecuritySettings(audit_signing_key=SecretStr(new_signing_key()))
    return settings.model_copy(update={"mode": Mode.PRODUCTION, "security": security})


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Starlette]:
    """The app with its lifespan started, as a server would run it."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def app(town_settings: Settings) -> AsyncIterator[Starlette]:
    async with running(town_settings) as application:
        yield application


@pytest.fixture
async def client(app: Starlette, keys: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """Authenticated as the command centre, with a purpose: it sees personal data."""
    transport = httpx.ASGITransport(app=app)
    headers = bearer(keys["command"], purpose="tests")
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", headers=headers
    ) as http:
        yield http


@pytest.fixture
async def anonymous(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
async def systems(town_document: dict[str, Any]) -> AsyncIterator[Departments]:
    """The four department simulators on loopback ports."""
    async with simulated_departments(town_document) as running_systems:
        yield running_systems
