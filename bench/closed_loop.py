"""Whether ``hub demo`` closes the loop: after some minutes, how many of the events
reported since it started reached each status, by lead department.

    python -m bench.closed_loop [--minutes 10] [--every 1] [--reports-per-minute 30]

It starts ``hub demo`` (time scale 240: a demo minute is four demo hours) in a scratch
folder, so the town is generated afresh, and prints the census (``hub stats census
--since <start>``) every ``--every`` minutes and at the end, then a line per department:
how many of its events are closed, and how many more are resolved or verified, waiting
for the grid worker's check or the caller's rating. Then the two figures the loop is
judged by: the share of routed events that are CLOSED or VERIFIED, and, for every
department the taxonomy names, on how many events it took a step of its own (认领,
进展, 办结 or 退单), in its system or at its desk. Events the simulators' seeded history
brings in before the start are left out.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from bench.demo_footprint import free_port, wait_ready
from bench.gateway import clean_env
from hub.core.departments import load_departments
from hub.core.paths import TAXONOMY_FILE
from hub.db.engine import Database
from hub.events import Taxonomy
from hub.stats.census import Census, census, departments_at_work

SINCE = "%Y-%m-%dT%H:%M:%S%z"
DONE = ("RESOLVED", "VERIFIED")


def main() -> None:
    args = _arguments()
    with running_demo(args.reports_per_minute) as (folder, env, _):
        since = datetime.now(UTC)
        print(f"hub demo ready; counting events since {since:%H:%M:%S} UTC", flush=True)
        _watch(folder, env, since, args)
        found, at_work = asyncio.run(_census(folder, since))
        print(_summary(found))
        print(_loop(found))
        print(_at_work(at_work))


@contextmanager
def running_demo(reports_per_minute: float) -> Iterator[tuple[str, dict[str, str], int]]:
    """A fresh ``hub demo`` in a scratch folder, ready: its folder, environment and port."""
    port = free_port()
    env = clean_env()
    command = [sys.executable, "-m", "hub", "demo", "--port", str(port)]
    command += ["--simulator-port-base", "0", "--reports-per-minute", str(reports_per_minute)]
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_ready(port, process)
            yield folder, env, port
        finally:
            process.terminate()
            process.wait()


def command_key(folder: str, env: dict[str, str]) -> str:
    """A command-centre key made in the running demo's database."""
    command = [sys.executable, "-m", "hub", "keys", "create", "bench", "--role", "command"]
    out = subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True, text=True)
    return next(word for word in out.stdout.split() if word.startswith("ghk_"))


def _watch(folder: str, env: dict[str, str], since: datetime, args: argparse.Namespace) -> None:
    end = time.monotonic() + args.minutes * 60
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(args.every * 60, left))
        elapsed = args.minutes - max(end - time.monotonic(), 0) / 60
        print(f"\n-- after {elapsed:.1f} minutes", flush=True)
        table = [sys.executable, "-m", "hub", "stats", "census", "--since", since.strftime(SINCE)]
        print(
            subprocess.run(
                table, check=True, cwd=folder, env=env, capture_output=True, text=True
            ).stdout
        )


async def _census(folder: str, since: datetime) -> tuple[Census, dict[str, int]]:
    database = Database(f"sqlite+aiosqlite:///{folder}/var/hub.db")  # the demo's default
    try:
        async with database.engine.connect() as connection:
            found = await census(connection, "", since)
            return found, await departments_at_work(connection, "", since)
    finally:
        await database.aclose()


def _loop(found: Census) -> str:
    routed = {d: counts for d, counts in found.items() if d}
    total = sum(sum(counts.values()) for counts in routed.values())
    done = sum(counts.get(s, 0) for counts in routed.values() for s in ("CLOSED", "VERIFIED"))
    share = done / total if total else 0.0
    return f"\nrouted events CLOSED or VERIFIED: {done} of {total} ({share:.0%})"


def _at_work(at_work: dict[str, int]) -> str:
    departments = load_departments()
    named = _named_in_taxonomy([d.code for d in departments])
    names = {d.code: d.name for d in departments}
    lines = ["", "events each department took a step on (认领, 进展, 办结 or 退单)"]
    lines += [f"  {at_work.get(code, 0):>4}  {names[code]} ({code})" for code in sorted(named)]
    acted = sum(1 for code in named if at_work.get(code))
    lines.append(f"{acted} of {len(named)} departments the taxonomy names took a step")
    return "\n".join(lines)


def _named_in_taxonomy(codes: list[str]) -> set[str]:
    taxonomy = Taxonomy.load(TAXONOMY_FILE, codes)
    return {code for category in taxonomy for code in (category.lead, *category.co)}


def _summary(found: Census) -> str:
    names = {d.code: d.name for d in load_departments()}
    lines = ["", "closed / reported (resolved or verified, waiting), by lead department"]
    for department in sorted(found, key=lambda d: -sum(found[d].values())):
        counts = found[department]
        total = sum(counts.values())
        waiting = sum(counts.get(s, 0) for s in DONE)
        name = names.get(department, department or "(unrouted)")
        lines.append(f"  {counts.get('CLOSED', 0):>4} / {total:<4} ({waiting:>3})  {name}")
    return "\n".join(lines)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=1.0, help="minutes between censuses")
    parser.add_argument("--reports-per-minute", type=float, default=30.0)
    return parser.parse_args()


if __name__ == "__main__":
    main()
