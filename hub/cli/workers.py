"""``hub serve --workers N``: N processes of one hub replica, on one port.

Each worker binds the port itself with ``SO_REUSEPORT``, so the kernel spreads new
connections over them by their address and port; a worker's connections stay its own
(a subscription is served by the worker it reached). What must be one per replica is
in one worker: worker 0 runs the bus roles the settings name (relay, router, dispatch,
ledger, feeds, timers, live), every other worker only ``live``, for its own subscribers,
reading the same log. Reporting needs only the database, so every worker takes reports.
A replica's rate limit is shared out: each worker allows ``1/N`` of it per principal.

The parent only supervises: it starts the workers, passes SIGTERM and SIGINT on, and
when one worker ends on its own it stops the others and exits with that worker's code,
for the service manager (systemd, Kubernetes) to restart the replica whole.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from hub.bus import Role
from hub.config import Settings

WORKER_ENV = "HUB_WORKER_INDEX"  # set by the parent in each worker's environment
SINGLETON_FREE_ROLES = {Role.LIVE}  # what a worker other than the first may run


def worker_count(settings: Settings) -> int:
    return settings.workers or os.cpu_count() or 1


def worker_index() -> int | None:
    """This process's place among the workers, or None when it is not one of them."""
    value = os.environ.get(WORKER_ENV)
    return int(value) if value is not None else None


def for_worker(settings: Settings, index: int) -> Settings:
    """The settings worker ``index`` of ``worker_count`` runs with."""
    count = worker_count(settings)
    roles = settings.bus.roles if index == 0 else settings.bus.roles & SINGLETON_FREE_ROLES
    limit = settings.security.rate_limit
    shared = limit.model_copy(
        update={"per_second": limit.per_second / count, "burst": max(1, limit.burst // count)}
    )
    security = settings.security.model_copy(update={"rate_limit": shared})
    bus = settings.bus.model_copy(update={"roles": roles})
    return settings.model_copy(update={"bus": bus, "security": security})


def shared_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` that the other workers bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Named TCP, not left 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # sockets that say they are TCP, and the connections accepted here inherit it. Left 0,
    # a response written in two pieces waited for the client's delayed ACK, about 40 ms.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((host, port))
    listener.listen(2048)
    listener.set_inheritable(False)
    return listener


def supervise(settings: Settings, config: Path | None) -> int:
    """Run ``worker_count`` workers until a signal or until one of them ends."""
    count = worker_count(settings)
    command = [sys.executable, "-m", "hub", *(["--config", str(config)] if config else [])]
    command += ["serve", "--host", settings.host, "--port", str(settings.port)]
    workers = [_start(command, index, count) for index in range(count)]
    stopping: list[int] = []

    def pass_on(number: int, _: FrameType | None) -> None:
        stopping.append(number)
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(number)

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, pass_on)
    first = _first_exit(workers)
    on_signal = bool(stopping)
    if not on_signal:
        pass_on(signal.SIGTERM, None)
    deadline = time.monotonic() + settings.shutdown_grace_seconds + 5
    codes = [_ended(worker, deadline) for worker in workers]
    if on_signal:
        # uvicorn ends by raising the signal it stopped on again, as a shell expects.
        stopped = {0, *(-n for n in stopping), *(128 + n for n in stopping)}
        return 0 if set(codes) <= stopped else 1
    return first or 1  # a worker that ends unasked is a failure, whatever its code


def _start(command: list[str], index: int, count: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, WORKER_ENV: str(index), "HUB_WORKERS": str(count)}
    # Its own process group: a terminal's Ctrl-C reaches the parent only, which passes
    # one signal on (a second SIGINT would make a worker skip its graceful shutdown).
    return subprocess.Popen(command, env=env, process_group=0)  # noqa: S603 - our own command


def _first_exit(workers: list[subprocess.Popen[bytes]]) -> int:
    while True:
        for worker in workers:
            code = worker.poll()
            if code is not None:
                return code
        time.sleep(0.2)


def _ended(worker: subprocess.Popen[bytes], deadline: float) -> int:
    try:
        return worker.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.wait()
