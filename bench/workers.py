"""One query at ``hub serve`` with one worker and with two, side by side in one run.

Two hubs on this machine over one fresh SQLite demo town (the rate limit lifted, as in
bench.gateway): ``hub serve --workers 1`` and ``hub serve --workers 2``, on free ports,
and this client. Each row is ``--requests`` POSTs from ``--concurrency`` clients after
a warm-up; the rows take turns in ``--rounds`` slices, so a busy moment on the machine
falls on both.

    python -m bench.workers [--query FILE] [--variables JSON] [--requests N]
                            [--concurrency C] [--rounds R]

The kernel spreads connections over the workers by their address and port, so give
the two-worker row more client connections than workers (the default is 8). The client
shares the machine's cores with the hubs: on a two-core machine it takes part of the
core the second worker would use.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bench import latency
from bench.gateway import (
    DEFAULT_QUERY,
    DEFAULT_VARIABLES,
    Load,
    free_port,
    hub_env,
    measure,
    started,
    worker_key,
)
from bench.town import prepared


def serve_command(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "hub", "serve", "--port", str(port), "--workers", str(workers)]


async def main(load: Load) -> None:
    with tempfile.TemporaryDirectory() as name:
        settings = await prepared(Path(name))
        key = await worker_key(settings.database_url)
        env = hub_env(settings.database_url)
        one, two = free_port(), free_port()
        with (
            started(serve_command(one, 1), env, f"http://127.0.0.1:{one}/readyz"),
            started(serve_command(two, 2), env, f"http://127.0.0.1:{two}/readyz"),
        ):
            targets = {
                "1 worker": f"http://127.0.0.1:{one}/graphql",
                "2 workers": f"http://127.0.0.1:{two}/graphql",
            }
            rows = await measure(targets, key, load)
    print(
        f"{load.requests} requests per row from {load.concurrency} concurrent client(s), "
        f"in {load.rounds} alternating rounds"
    )
    latency.report(rows)


if __name__ == "__main__":
    parser = latency.arguments(
        __doc__, default_query="a worker's grid", requests=2000, concurrency=8
    )
    parser.add_argument("--rounds", type=int, default=4)
    given = parser.parse_args()
    body = latency.request_body(given, DEFAULT_QUERY, DEFAULT_VARIABLES)
    asyncio.run(main(Load(body, given.requests, given.concurrency, given.rounds)))
