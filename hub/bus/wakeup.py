"""Waking readers in other processes: PostgreSQL's LISTEN/NOTIFY.

In one process a writer fires the readers' ``Signal`` itself. Across processes, a
writer on PostgreSQL notifies a channel in the transaction that writes (the server
delivers it at commit, and not at all on rollback), and a ``Listener`` in every
process, on one connection of its own, fires the signal when it hears one. Readers
keep a slow poll besides: SQLite has no notifications, and a listener whose
connection dropped hears nothing until it has listened again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus.signal import Signal
from hub.db.engine import Database

log = logging.getLogger(__name__)

BUS_LOG_CHANNEL = "hub_bus_log"  # something was appended to the embedded log
OUTBOX_CHANNEL = "hub_outbox"  # something was written to the outbox
RETRY_SECONDS = 5.0  # between attempts to listen again; the poll covers the gap
NOTIFY = text("SELECT pg_notify(:channel, :token)")  # built once: every report sends one


async def notify(connection: AsyncConnection, channel: str) -> None:
    """Tell other processes' listeners, when the caller's transaction commits."""
    if connection.dialect.name == "postgresql":
        await connection.execute(
            NOTIFY, {"channel": channel, "token": _token(connection.sync_engine)}
        )


def _token(engine: Engine) -> str:
    """Names the database handle a notification came from: a listener on the same
    handle ignores it, for the writer has fired that handle's signals itself."""
    return f"{os.getpid()}.{id(engine)}"


class Listener:
    """Fires ``signal`` whenever another process notifies ``channel`` (PostgreSQL only)."""

    def __init__(self, database: Database, channel: str, signal: Signal) -> None:
        self.database = database
        self.channel = channel
        self.signal = signal
        self.listening = asyncio.Event()  # set while a connection listens: for tests
        self._own = _token(database.engine.sync_engine)

    async def run(self) -> None:
        if self.database.dialect != "postgresql":
            return
        while True:
            try:
                await self._listen()
            except Exception as error:
                log.info("not listening for %s: %r", self.channel, error)
            await asyncio.sleep(RETRY_SECONDS)

    async def _listen(self) -> None:
        async with self.database.engine.connect() as connection:
            driver: Any = (await connection.get_raw_connection()).driver_connection
            lost = asyncio.Event()
            driver.add_termination_listener(lambda _connection: lost.set())
            await driver.add_listener(self.channel, self._heard)
            self.listening.set()
            try:
                self.signal.fire()  # what was written while nobody listened
                await lost.wait()
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):  # a lost connection cannot unlisten
                    await driver.remove_listener(self.channel, self._heard)

    def _heard(self, _connection: object, _pid: int, _channel: str, token: str) -> None:
        if token != self._own:
            self.signal.fire()
