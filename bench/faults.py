"""The fault suite's long run: real processes, one fault at a time while reports flow.

    python -m bench.faults [--fault NAME ...] [--reports 3000] [--rate 50]
                           [--outage-seconds 20] [--department citymgmt]
                           [--settle-seconds 120] [--logs DIR]

Starts a Kafka broker and a PostgreSQL cluster of its own (scripts/kafka and
scripts/postgres on a private state directory and free ports: the shared ones other
tests use are never touched), the four department simulators each in its own process,
and ``hub serve`` on Kafka and PostgreSQL over the demo town. Then, for each fault
(default: all of them, in this order), ``--reports`` reports at ``--rate`` a second with
the fault ``--outage-seconds`` long in the middle of the stream:

- kafka: the broker is killed (SIGKILL) and started again;
- hub: ``hub serve`` is killed (SIGKILL) and started again;
- postgres: PostgreSQL is stopped (fast shutdown) and started again;
- department-slow / -failing / -garbled: ``--department``'s simulator answers after 3 s
  (past the connector's timeout) / with 500s / with cut-off JSON bodies.

After each, the hub gets ``--settle-seconds`` to route every accepted report to its
department and to be back at normal latency, and a row is printed: requests, accepted,
lost, duplicated work orders, 5xx (and errors without a code), typed 503s (the
database away), the time from the fault's end (its component back) until reports reach
their department at normal latency again, and what ``/readyz`` said during the fault.
A fault that lost reports also says where they stopped on Kafka: partitions an open
transaction holds, and consumer groups behind what they could read.
It takes about (reports / rate + outage + 20 s) per fault, plus 30 s to start. Every
process it started is stopped at the end; the hub's log is left in ``--logs``.

CI runs a short version: tests/faults/test_fault_runs.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from bench.fault_components import ComponentUnavailableError
from bench.fault_run import DEPARTMENTS, FAULTS, Plan, run_faults
from bench.fault_tally import line, table


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fault", choices=FAULTS, action="append", help="default: all")
    parser.add_argument("--reports", type=int, default=Plan.reports, help="per fault")
    parser.add_argument("--rate", type=float, default=Plan.rate, help="reports a second")
    parser.add_argument("--outage-seconds", type=float, default=Plan.outage)
    parser.add_argument("--department", choices=DEPARTMENTS, default=Plan.department)
    parser.add_argument("--settle-seconds", type=float, default=Plan.settle_within)
    parser.add_argument(
        "--logs", type=Path, help="where hub.log and kafka.log go (default: a new directory)"
    )
    parser.add_argument("--hub-log-level", default=Plan.hub_log_level, help="INFO: more detail")
    return parser.parse_args()


async def main(given: argparse.Namespace) -> int:
    plan = Plan(
        given.reports,
        given.rate,
        given.outage_seconds,
        given.department,
        given.settle_seconds,
        given.hub_log_level,
    )
    logs = given.logs or Path(tempfile.mkdtemp(prefix="hub-faults-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    faults = given.fault or list(FAULTS)
    print(
        f"{len(faults)} fault(s), {plan.reports} reports each at {plan.rate:g}/s, "
        f"{plan.outage:g} s outages; the hub's log: {logs / 'hub.log'}",
        flush=True,
    )
    try:
        rows = await run_faults(faults, plan, logs, lambda row: print(line(row), flush=True))
    except ComponentUnavailableError as error:
        print(f"bench.faults: {error}", file=sys.stderr)
        return 2
    print(f"\n{table(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(arguments())))
