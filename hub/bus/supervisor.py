"""Background jobs that come back: each is restarted with backoff when it dies, and what
is down (and why) can be asked at any moment, so readiness tells the truth.

A job is a factory of coroutines, so a restart runs a fresh one. A death is logged with
its traceback and the count of failures so far, once per cause: the same error again
and again is one line. A death because the database is away is said in one short line
(``hub.db.outage.log_failure``): it is expected, and readiness names the job meanwhile.
A job counts as up again once a restart has run for ``settled`` seconds without dying:
a job that dies at once, again and again, stays down.

A job still running ``stop_within`` seconds after it was cancelled is named in the log,
so whoever looks at a slow shutdown knows which one it was; it is still waited for,
since it may be in the middle of a transaction on the database that closes next. (The
Kafka clients, which can hang in their own shutdown, are given a bounded time each.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from hub.bus.runtime import backoff
from hub.db.outage import log_failure

log = logging.getLogger(__name__)

Job = Callable[[], Coroutine[Any, Any, None]]


class Supervisor:
    def __init__(self, settled: float = 2.0, stop_within: float = 10.0) -> None:
        self.settled = settled
        self.stop_within = stop_within
        self.down: dict[str, str] = {}  # job name -> why it last died
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, name: str, job: Job) -> None:
        self._tasks.append(asyncio.create_task(self._keep(name, job), name=name))

    async def _keep(self, name: str, job: Job) -> None:
        failures = 0
        while True:
            up = asyncio.get_running_loop().call_later(self.settled, self.down.pop, name, None)
            try:
                await job()
                return  # ended on purpose: nothing to restart
            except Exception as error:
                failures += 1
                self._died(name, error, failures)
            finally:
                up.cancel()  # died (or cancelled) before it settled: still down
            await asyncio.sleep(backoff(failures))

    def _died(self, name: str, error: Exception, failures: int) -> None:
        why = f"{type(error).__name__}: {error}"
        if self.down.get(name) != why:  # once per cause, not once per retry
            extra: dict[str, object] = {"task": name, "failures": failures}
            # The task is named in the message: repeats of one message are held back.
            log_failure(log, f"a bus task died ({name}); restarting it", error, extra)
        self.down[name] = why

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=self.stop_within)
            for task in stuck:
                log.error(
                    "a bus task is still stopping %.0f s after it was told to",
                    self.stop_within,
                    extra={"task": task.get_name()},
                )
            if stuck:  # it may be mid-transaction: the database stays open until it ends
                await asyncio.wait(stuck)
        self._tasks.clear()
        self.down.clear()
