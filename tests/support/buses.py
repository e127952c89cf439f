"""Bus backends for tests: the embedded log on SQLite or PostgreSQL, or the real broker.

Broker data outlives a test run, so every test gets topics and groups of its own
through a fresh namespace.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hub.bus import (
    Backend,
    BusUnavailableError,
    EmbeddedBackend,
    KafkaBackend,
    KafkaSettings,
    Topics,
)
from hub.db.engine import Database
from tests.support.components import kafka_bootstrap, unavailable


def fresh_topics() -> Topics:
    return Topics(namespace=f"t{uuid.uuid4().hex[:10]}.")


def kafka_settings(partitions: int = 3) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=kafka_bootstrap(), partitions=partitions, linger_ms=1)


@asynccontextmanager
async def kafka_backend(partitions: int = 3) -> AsyncIterator[KafkaBackend]:
    backend = KafkaBackend(kafka_settings(partitions))
    try:
        await backend.ping()
    except BusUnavailableError as error:
        unavailable("Kafka", str(error))
    await backend.start()
    try:
        yield backend
    finally:
        await backend.stop()


@asynccontextmanager
async def backend_for(kind: str, database: Database) -> AsyncIterator[Backend]:
    """``embedded`` on the test's database, or ``kafka`` on the test broker."""
    if kind == "kafka":
        async with kafka_backend() as backend:
            yield backend
        return
    embedded = EmbeddedBackend(database, poll_interval=0.02)
    await embedded.start()
    try:
        yield embedded
    finally:
        await embedded.stop()
