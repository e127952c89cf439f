"""Throwaway databases: a SQLite file, or a fresh PostgreSQL database per test session."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.support.components import postgres_url, unavailable


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    admin_url = make_url(postgres_url())
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    # No pool: a test may restart the server meanwhile, and a pooled connection would
    # be a dead one by the time the database is dropped.
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OSError as error:
        await admin.dispose()
        unavailable("PostgreSQL", f"cannot connect to {admin_url.host}:{admin_url.port}: {error}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
