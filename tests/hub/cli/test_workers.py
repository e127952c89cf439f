"""Which worker of ``hub serve --workers N`` runs what, how the rate limit is shared, and
the port they share."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest

from hub.bus import Role
from hub.cli.workers import for_worker, shared_socket, worker_count
from hub.config import Settings
from hub.security.settings import RateLimit, SecuritySettings


def settings(workers: object, **limit: float) -> Settings:
    security = SecuritySettings(rate_limit=RateLimit(**limit))
    return Settings.model_validate({"workers": workers, "security": security})


@pytest.mark.parametrize("given", [0, "auto", "AUTO"])
def test_zero_or_auto_is_one_worker_per_core(given: object) -> None:
    assert worker_count(settings(given)) == (os.cpu_count() or 1)


def test_the_default_is_one_worker() -> None:
    assert worker_count(Settings()) == 1


def test_only_the_first_worker_runs_the_roles_that_must_run_once() -> None:
    three = settings(3)
    assert for_worker(three, 0).bus.roles == set(Role)
    assert for_worker(three, 1).bus.roles == {Role.LIVE}
    assert for_worker(three, 2).bus.roles == {Role.LIVE}


def test_a_worker_without_live_in_the_settings_does_not_gain_it() -> None:
    base = settings(2)
    split = base.model_copy(
        update={"bus": base.bus.model_copy(update={"roles": {Role.ROUTER, Role.LEDGER}})}
    )
    assert for_worker(split, 1).bus.roles == set()


def test_each_worker_allows_its_share_of_the_replicas_rate_limit() -> None:
    limit = for_worker(settings(2, per_second=50, burst=100), 1).security.rate_limit
    assert (limit.per_second, limit.burst) == (25, 50)


def test_a_share_of_the_burst_is_never_below_one_request() -> None:
    assert for_worker(settings(4, per_second=1, burst=2), 0).security.rate_limit.burst == 1


async def test_connections_on_the_shared_port_are_sent_without_nagle_delay() -> None:
    """asyncio's own loop turns Nagle's algorithm off only on sockets named TCP; left
    on, a response written in two pieces waits for the client's delayed ACK (~40 ms)."""
    listener = shared_socket("127.0.0.1", 0)
    accepted: asyncio.Future[socket.socket] = asyncio.get_running_loop().create_future()

    class Accepting(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted.set_result(transport.get_extra_info("socket"))

    server = await asyncio.get_running_loop().create_server(Accepting, sock=listener)
    async with server:
        _, writer = await asyncio.open_connection(*listener.getsockname())
        connection = await asyncio.wait_for(accepted, timeout=5)
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        writer.close()
        await writer.wait_closed()
