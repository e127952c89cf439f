"""What an idle ``hub demo`` costs: its memory (RSS) and the CPU it burns doing nothing.

    python -m bench.demo_footprint [--seconds 20] [--settle 60] [--reports-per-minute 0]
                                   [--baseline CHECKOUT] [--rounds 2]

Each run starts ``hub demo`` in a scratch folder (its first start generates the town),
waits until it answers ``/healthz``, then ``--settle`` seconds more: at first the hub
reads the simulated departments' history through its feeds (about 1,400 events), which
is work, not idleness. Then it reads the RSS and the CPU time (user + system, from
``/proc/<pid>/stat``) spent over ``--seconds``, as a share of one core.
``--reports-per-minute 0`` (the default) makes the demo truly idle; the demo's own
default (30) adds the generated reports' work.

Each side runs its checkout's code (on ``PYTHONPATH``): this one with this interpreter,
the baseline with its own ``.venv``'s. ``--baseline CHECKOUT`` runs the same
measurement on another checkout of the project (e.g. a worktree of ``main``, with a
``.venv`` of its own), alternating with this one ``--rounds`` times, and prints both
side by side.

Each side also gets a ``code only`` row: the RSS of a process that imports what
``hub demo`` runs (the hub, the demo, each installed connector's simulator) and holds
no data. That much no setting or cache of the demo's can give back; the rest of the
demo's figure is its data and caches.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.gateway import clean_env
from hub.core.paths import PROJECT_ROOT

TICKS = os.sysconf("SC_CLK_TCK")
# The code `hub demo` loads, and nothing else: its modules and each simulator's.
CODE_ONLY = """
import os
import hub.cli.serve, hub.demo.departments
from connectors.sdk.simulation import demo_town
from hub.demo.simulators import demo_systems
demo_systems()
print(open(f"/proc/{os.getpid()}/status").read())
"""


@dataclass(frozen=True)
class Footprint:
    ready_seconds: float
    rss_mib: float
    cpu_share: float  # of one core, over the measured seconds


@dataclass(frozen=True)
class Side:
    python: str
    checkout: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system time the process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / TICKS


def code_rss_mib(side: Side) -> float:
    """The RSS of a process that imports what ``hub demo`` runs, and nothing more."""
    status = subprocess.run(
        [side.python, "-c", CODE_ONLY],
        env=clean_env(side.checkout),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"hub demo exited with {process.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)


def measure(side: Side, seconds: float, settle: float, reports_per_minute: float) -> Footprint:
    port = free_port()
    env = clean_env(side.checkout)
    command = [side.python, "-m", "hub", "demo", "--port", str(port), "--simulator-port-base", "0"]
    command += ["--reports-per-minute", str(reports_per_minute)]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_ready(port, process)
            ready = time.perf_counter() - started
            time.sleep(settle)
            before, clock = cpu_seconds(process.pid), time.perf_counter()
            time.sleep(seconds)
            used = cpu_seconds(process.pid) - before
            share = used / (time.perf_counter() - clock)
            return Footprint(ready, rss_mib(process.pid), share)
        finally:
            process.terminate()
            process.wait()


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _row(label: str, runs: list[Footprint]) -> str:
    ready = _median([r.ready_seconds for r in runs])
    rss = _median([r.rss_mib for r in runs])
    cpu = _median([r.cpu_share for r in runs])
    every = " ".join(f"{r.cpu_share * 100:.1f}" for r in runs)
    return f"{label:<20} {ready:>9.2f} {rss:>9.1f} {cpu * 100:>8.1f}   ({every})"


def main() -> None:
    args = _arguments()
    sides = {"this": Side(sys.executable, PROJECT_ROOT)}
    if args.baseline:
        baseline = Path(args.baseline).resolve()
        sides = {"baseline": Side(str(baseline / ".venv" / "bin" / "python"), baseline), **sides}
    runs: dict[str, list[Footprint]] = {label: [] for label in sides}
    for _ in range(args.rounds):
        for label, side in sides.items():
            footprint = measure(side, args.seconds, args.settle, args.reports_per_minute)
            runs[label].append(footprint)
    print(
        f"hub demo, {args.reports_per_minute:g} reports a minute, CPU over {args.seconds:g} s "
        f"after {args.settle:g} s settling; medians of {args.rounds} run(s)"
    )
    print(f"{'':<20} {'ready s':>9} {'RSS MiB':>9} {'CPU %':>8}   (CPU % of each run)")
    for label, found in runs.items():
        print(_row(label, found))
    for label, side in sides.items():
        code = f"{label}, code only"
        print(f"{code:<20} {'':>9} {code_rss_mib(side):>9.1f}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="CPU measured over these")
    parser.add_argument("--settle", type=float, default=60.0, help="seconds before measuring")
    parser.add_argument("--reports-per-minute", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each, alternating")
    parser.add_argument("--baseline", help="a checkout with its own .venv to compare with")
    return parser.parse_args()


if __name__ == "__main__":
    main()
