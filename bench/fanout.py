"""Many WebSocket subscribers on one ``hub serve`` process, each reported event fanned out
to all of them: how many it holds and how long the fan-out takes (goal: 5,000 held,
fan-out p99 ≤ 250 ms).

Processes on this machine: ``hub serve`` over a fresh SQLite demo town (the rate limit
lifted, as in bench.gateway) and, per row, ``--clients`` subscriber processes and this
process, which reports events. The subscribers share the cores with the hub, so they
are lean (``bench.ws_subscriber``: framing by hand, an arrival timed when its bytes are
read, not after a reader task's turn) and several: one event loop per 1,250 sockets.
With the ``websockets`` client and a reader task per socket, the same hub measured
p99 552 ms where this client measured 200, one run each, one after the other (two
later runs of this client on that hub: 513 and 353 ms; the hub then used nearly a
full core and queued too, see docs/operations.md).

Each row opens its subscribers (graphql-transport-ws, ``gridEvents { step eventId }``,
as a command-centre key's holder), reports ``--events`` events through ``reportEvent``
at ``--rate`` a second, and times, for each event's REPORTED step, each subscriber's
arrival from the moment the report was sent (the report's own round trip is printed
beside it). The baseline row (``--baseline`` subscribers, default 100) runs first on the
same hub. The file-descriptor limit is raised here before the hub starts, so the hub
inherits it. The subscriber processes' CPU is printed beside the hub's: when the two
come near all the machine's cores, the clients' own queueing is in the latencies.
``--setting NAME=VALUE`` starts the hub with that setting (repeatable), and ``--versus
NAME=VALUE`` runs every row again, on a hub of its own, with that setting too, printed
beside the first: ``--versus HUB_WEBSOCKET_COMPRESSION_MIN_BYTES=0`` compares with
compressing every message, ``--versus HUB_WEBSOCKET_COMPRESSION=false`` with none.

    python -m bench.fanout [--subscribers 5000] [--events 50] [--rate 5]
                           [--baseline 100] [--clients C] [--drain SECONDS]
                           [--setting NAME=VALUE]... [--versus NAME=VALUE]...
                           [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.gateway import free_port, hub_env, made_key, started
from bench.hub_process import HubUsage, usage
from bench.town import prepared
from bench.ws_subscriber import Arrivals, Subscriber
from hub.security.keys import KeyRequest

SUBSCRIPTION = "subscription { gridEvents { step eventId } }"
REPORT = "mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"
REPORT_INPUT = {
    "category": "municipal.manhole_cover",
    "description": "井盖缺失",
    "channel": "HOTLINE",
    "location": {"lat": 30.312, "lon": 120.053, "address": "云溪路12号"},
    "reporter": {"name": "李四", "phone": "13900000000"},
}
PURPOSE = "bench"
OPENING_AT_ONCE = 64  # handshakes in flight per client process
SOCKETS_PER_CLIENT = 1250
FD_HEADROOM = 512


@dataclass(frozen=True)
class Plan:
    subscribers: int
    events: int
    rate: float
    clients: int
    drain: float


@dataclass
class Held:
    """What one subscriber process saw: arrivals of REPORTED steps, and why subscriptions
    ended early, by kind."""

    subscribers: list[Subscriber] = field(default_factory=list)
    held: int = 0
    ended: int = 0
    arrivals: Arrivals = field(default_factory=Arrivals)
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def end(self, reason: str) -> None:
        self.ended += 1
        self.failures[reason.split(":", maxsplit=1)[0]] += 1


@dataclass(frozen=True)
class Row:
    label: str
    plan: Plan
    held: int
    failures: dict[str, int]
    delays: list[float]
    report_trips: list[float]
    usage: HubUsage
    clients_cpu_percent: float = math.nan  # the subscriber processes', all together


def raise_fd_limit(needed: int) -> int:
    """The soft limit of open files raised to ``needed`` (the hard one too when allowed);
    processes started from here inherit it. Returns the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(soft, needed)
    if wanted > hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return wanted
        except (ValueError, OSError):
            wanted = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


async def opened(url: str, key: str, gate: asyncio.Semaphore, seen: Held) -> None:
    """One subscription opened, or the reason it could not be."""
    parts = urlsplit(url)
    init = {"Authorization": f"Bearer {key}", "X-Purpose": PURPOSE}
    loop = asyncio.get_running_loop()
    try:
        async with gate:
            _, subscriber = await loop.create_connection(
                lambda: Subscriber(url, init, SUBSCRIPTION, seen.arrivals),
                parts.hostname or "127.0.0.1",
                parts.port or 80,
            )
            await subscriber.opened
        seen.subscribers.append(subscriber)
    except Exception as failure:  # a refused or dropped handshake is a finding
        seen.end(f"open: {type(failure).__name__}: {str(failure)[:80]}")


async def listening(subscriber: Subscriber, seen: Held) -> None:
    """One subscription, until it ends (a finding) or is cancelled."""
    seen.end(await subscriber.ended)


async def hold(url: str, key: str, count: int, control: Connection) -> Held:
    """``count`` subscriptions held until told to stop; "ready" once all are open, the
    arrivals so far whenever asked "count", and this process's CPU time when asked "cpu"."""
    seen = Held()
    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    await asyncio.gather(*(opened(url, key, gate, seen) for _ in range(count)))
    listeners = [asyncio.create_task(listening(each, seen)) for each in seen.subscribers]
    control.send(("ready", len(seen.subscribers)))
    loop = asyncio.get_running_loop()
    while (asked := await loop.run_in_executor(None, control.recv)) != "stop":
        control.send(seen.arrivals.delivered if asked == "count" else time.process_time())
    seen.held = count - seen.ended
    for task in listeners:
        task.cancel()
    for subscriber in seen.subscribers:
        subscriber.close()
    return seen


def subscriber_process(url: str, key: str, count: int, control: Connection) -> None:
    raise_fd_limit(count + FD_HEADROOM)
    seen = asyncio.run(hold(url, key, count, control))
    control.send((seen.held, dict(seen.failures), seen.arrivals.by_event))


@dataclass
class Clients:
    """The subscriber processes of one row and their ends of the control pipes."""

    processes: Sequence[multiprocessing.process.BaseProcess]
    pipes: list[Connection]

    @classmethod
    def start(cls, url: str, key: str, plan: Plan) -> Clients:
        context = multiprocessing.get_context("spawn")
        shares = [plan.subscribers // plan.clients] * plan.clients
        shares[0] += plan.subscribers - sum(shares)
        processes, pipes = [], []
        for share in shares:
            mine, theirs = context.Pipe()
            process = context.Process(
                target=subscriber_process, args=(url, key, share, theirs), daemon=True
            )
            process.start()
            processes.append(process)
            pipes.append(mine)
        return cls(processes, pipes)

    def wait_ready(self) -> int:
        return sum(pipe.recv()[1] for pipe in self.pipes)

    def delivered(self) -> int:
        return int(self._summed("count"))

    def cpu_seconds(self) -> float:
        return self._summed("cpu")

    def _summed(self, question: str) -> float:
        for pipe in self.pipes:
            pipe.send(question)
        return float(sum(pipe.recv() for pipe in self.pipes))

    def stop(self) -> list[tuple[int, dict[str, int], dict[str, list[float]]]]:
        for pipe in self.pipes:
            pipe.send("stop")
        results = [pipe.recv() for pipe in self.pipes]
        for process in self.processes:
            process.join(timeout=30)
        return results


async def drained(clients: Clients, expected: int, seconds: float) -> None:
    """Until every expected delivery has arrived, or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if clients.delivered() >= expected:
            return
        await asyncio.sleep(0.25)


async def report_events(
    http: httpx.AsyncClient, url: str, plan: Plan, failures: dict[str, int]
) -> tuple[dict[str, float], list[float]]:
    """Events reported at the planned pace: when each was sent, by id; the round trips.
    A report that fails is counted in ``failures`` by its message (a finding too)."""
    sent: dict[str, float] = {}
    trips: list[float] = []
    body = {"query": REPORT, "variables": {"i": REPORT_INPUT}}
    start = time.monotonic()
    for index in range(plan.events):
        await asyncio.sleep(max(0.0, start + index / plan.rate - time.monotonic()))
        at = time.monotonic()
        try:
            answer = (await http.post(url, json=body)).json()
        except httpx.HTTPError as failure:
            answer = {"errors": [{"message": type(failure).__name__}]}
        trips.append(time.monotonic() - at)
        if "errors" in answer:
            failures[f"report: {answer['errors'][0]['message'][:60]}"] += 1
        else:
            sent[answer["data"]["reportEvent"]["id"]] = at
    return sent, trips


async def run_row(label: str, base: str, key: str, plan: Plan, hub_pid: int) -> Row:
    ws_url = base.replace("http://", "ws://") + "/graphql"
    clients = Clients.start(ws_url, key, plan)
    opened = await asyncio.get_running_loop().run_in_executor(None, clients.wait_ready)
    print(f"  {label}: {opened} of {plan.subscribers} subscriptions open", flush=True)
    headers = {"Authorization": f"Bearer {key}", "X-Purpose": PURPOSE}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        await asyncio.sleep(2)  # the last subscribe messages reach the bus
        before, clients_before = usage(hub_pid), clients.cpu_seconds()
        started_at = time.monotonic()
        failed: dict[str, int] = defaultdict(int)
        sent, trips = await report_events(http, f"{base}/graphql", plan, failed)
        await drained(clients, plan.subscribers * len(sent), plan.drain)
        wall = time.monotonic() - started_at
        after, clients_cpu = usage(hub_pid), clients.cpu_seconds() - clients_before
    results = await asyncio.get_running_loop().run_in_executor(None, clients.stop)
    row = collect(label, plan, results, sent, trips, after.since(before, wall))
    row = replace(row, clients_cpu_percent=100 * clients_cpu / wall)
    row.failures.update(failed)
    return row


def collect(
    label: str,
    plan: Plan,
    results: list[tuple[int, dict[str, int], dict[str, list[float]]]],
    sent: dict[str, float],
    trips: list[float],
    hub: HubUsage,
) -> Row:
    held = sum(result[0] for result in results)
    failures: dict[str, int] = defaultdict(int)
    delays: list[float] = []
    for _, failed, arrivals in results:
        for reason, count in failed.items():
            failures[reason] += count
        for event_id, times in arrivals.items():
            if event_id in sent:
                delays += [at - sent[event_id] for at in times]
    return Row(label, plan, held, dict(failures), delays, trips, hub)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def _per_delivery(row: Row) -> float:
    """The hub's CPU time over the row, in µs a delivery made (the reports' own share is
    small beside thousands of deliveries an event). A delivery is timed by its REPORTED
    step; the ROUTED step follows it to every subscriber, so it is two messages."""
    return row.usage.cpu_seconds / len(row.delays) * 1e6 if row.delays else math.nan


def report(rows: list[Row]) -> None:
    print(
        f"{'':20} {'held':>11} {'deliveries':>17} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'report p50':>10} {'hub CPU':>8} {'µs each':>8} {'hub RSS':>9} {'clients CPU':>12}"
    )
    for row in rows:
        expected = row.plan.subscribers * row.plan.events
        held = f"{row.held}/{row.plan.subscribers}"
        deliveries = f"{len(row.delays)}/{expected}"
        trip = statistics.median(row.report_trips) * 1000
        print(
            f"{row.label:20} {held:>11} {deliveries:>17}"
            f" {percentile(row.delays, 0.5) * 1000:8.1f}"
            f" {percentile(row.delays, 0.99) * 1000:8.1f}"
            f" {max(row.delays, default=math.nan) * 1000:8.1f} {trip:8.1f}ms"
            f" {row.usage.cpu_percent:7.0f}% {_per_delivery(row):8.1f} {row.usage.rss_mib:6.0f}MiB"
            f" {row.clients_cpu_percent:11.0f}%"
        )
        if row.failures:
            print(f"{'':20} failures: {row.failures}")


def serve_command(port: int, profile: Path | None) -> list[str]:
    profiled = [] if profile is None else ["-m", "cProfile", "-o", str(profile)]
    return [sys.executable, *profiled, "-m", "hub", "serve", "--port", str(port)]


Settings = dict[str, str]


async def main(
    rows: list[tuple[str, Plan]], hubs: list[tuple[str, Settings]], profile: Path | None
) -> None:
    limit = raise_fd_limit(max(plan.subscribers for _, plan in rows) + FD_HEADROOM)
    print(f"open-file limit for the hub and its clients: {limit}", flush=True)
    results: list[Row] = []
    for name, settings in hubs:
        if name:
            print(f"{name}: {' '.join(f'{k}={v}' for k, v in settings.items())}", flush=True)
        results += await measured(rows, settings, name, profile)
        profile = None  # the first hub's
    print(
        "fan-out: from each report's send to its REPORTED step's arrival at each subscriber;"
        " hub CPU over the reporting window (100% = one core) and per delivery, RSS at its end;"
        " the subscriber processes' CPU over the same window"
    )
    report(results)


async def measured(
    rows: list[tuple[str, Plan]], changed: Settings, name: str, profile: Path | None
) -> list[Row]:
    """Every row on one hub, started with the settings ``changed``."""
    with tempfile.TemporaryDirectory() as folder:
        settings = await prepared(Path(folder))
        key = await made_key(settings.database_url, KeyRequest("bench fanout", ("command",)))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = hub_env(settings.database_url) | changed
        with started(serve_command(port, profile), env, f"{base}/readyz") as hub:
            results = [
                await run_row(f"{label} {name}".strip(), base, key, plan, hub.pid)
                for label, plan in rows
            ]
            if profile is not None:  # uvicorn re-raises TERM, which cProfile would not survive
                hub.send_signal(signal.SIGINT)
                hub.wait(timeout=60)
    return results


def plans(given: argparse.Namespace) -> list[tuple[str, Plan]]:
    def plan(subscribers: int) -> Plan:
        clients = given.clients or max(1, math.ceil(subscribers / SOCKETS_PER_CLIENT))
        return Plan(subscribers, given.events, given.rate, clients, given.drain)

    rows = [(f"{given.subscribers} subs", plan(given.subscribers))]
    if given.baseline:
        rows.insert(0, (f"{given.baseline} subs", plan(given.baseline)))
    return rows


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--rate", type=float, default=5.0, help="events a second")
    parser.add_argument("--baseline", type=int, default=100, help="0: no baseline row")
    parser.add_argument("--clients", type=int, default=0, help="subscriber processes a row")
    parser.add_argument("--profile", type=Path, help="run the hub under cProfile into FILE")
    parser.add_argument(
        "--setting", type=_setting, action="append", default=[], help="NAME=VALUE for the hub"
    )
    parser.add_argument(
        "--versus",
        type=_setting,
        action="append",
        default=[],
        help="NAME=VALUE: every row again on a hub with this setting too",
    )
    parser.add_argument(
        "--drain", type=float, default=120.0, help="at most this long for the last deliveries"
    )
    return parser.parse_args()


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.startswith("HUB_"):
        raise argparse.ArgumentTypeError(f"not a hub setting NAME=VALUE: {text!r}")
    return name, value


def hubs(given: argparse.Namespace) -> list[tuple[str, Settings]]:
    """The hub each row runs on: as set, then (with ``--versus``) with those settings too."""
    settings = dict(given.setting)
    if not given.versus:
        return [("", settings)]
    return [("(this)", settings), ("(versus)", settings | dict(given.versus))]


if __name__ == "__main__":
    given = arguments()
    asyncio.run(main(plans(given), hubs(given), given.profile))
