"""The event bus on real Kafka and on the embedded log, measured side by side.

    python -m bench.event_bus [--kafka HOST:PORT] [--postgres URL] [--events 20000]
                              [--rates 1000 200] [--seconds 10] [--without-router]
                              [--only transactions route pipeline intake latency]

For each backend (Kafka when a broker answers at --kafka or HUB_TEST_KAFKA_BOOTSTRAP,
and the embedded log on SQLite), with the ledger on SQLite; and, given a PostgreSQL
server (--postgres or HUB_TEST_POSTGRES_URL, as `scripts/postgres url` prints it),
Kafka with the ledger on PostgreSQL, the production configuration (each measurement
on a fresh database copied from a template holding the town):

- transactions (Kafka): a group member's transactions back to back, one input each and
  every other one with an output, ms a transaction: with aiokafka's own waits before
  asking again when the broker is still closing the transaction before (20 ms, 100 for
  an offsets-only one), and with the hub's (``HUB_BUS__KAFKA__TRANSACTION_RETRY_MS``);
- route: the router alone on a backlog of reported events (exactly-once batches);
- pipeline: report → route → dispatch with all stages running at once, from a
  full outbox to every work order accepted by an instant department sink;
- intake: reports/s into the ledger and outbox, direct and through GraphQL;
- latency: reportEvent (GraphQL, in process) paced at each of --rates a second, to a
  gridEvents subscriber, p50/p99 until reportEvent answers, and until the subscriber
  sees REPORTED and ROUTED; this process is a hub replica (GraphQL, intake, relay, live
  stream), and the router and the ledger run in a `hub events run` process beside it.

Every measurement runs on the event loop the hub's own processes run on, as
``HUB_EVENT_LOOP`` chooses it (uvloop where it is installed).

Each measurement settles the heap as the hub's long-running commands do once they have
started (`hub.cli.heap`): without it, full collections walking the town, the schema and
the backlog stalled this process, and the latency it printed was not the hub's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.producer import sender as aiokafka_sender
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.town import signed_in, unthrottled
from connectors.sdk import discover
from connectors.sdk.simulation import generate_town
from hub.app import create_app
from hub.bus import (
    BackendKind,
    BusSettings,
    CloudEvent,
    KafkaBackend,
    KafkaSettings,
    Message,
    Role,
    Subscriber,
    Worker,
    each,
    enqueue,
)
from hub.bus.kafka import (
    AIOKAFKA_CONCURRENT_TRANSACTIONS_RETRY_SECONDS,
    CONCURRENT_TRANSACTIONS_RETRY_SECONDS,
)
from hub.cli.common import loop_factory
from hub.cli.heap import settle_heap
from hub.config import Settings
from hub.core.codes import RegionLevel
from hub.core.workorders import UpstreamRef, WorkOrder
from hub.db import migrate
from hub.db.engine import Database
from hub.demo.reports import FINDINGS, report_at
from hub.events import DispatchType, Report
from hub.observability.metrics import Metrics
from hub.registry import store
from hub.registry.importer import import_document
from hub.registry.model import Region
from hub.registry.service import Registry
from hub.services.bus import EventBus
from hub.services.contributions import Contributions
from schema import HubContext

ANSWERED = "answered"  # the reporter's own wait: reportEvent returned (intake, audit)
Contexts = Callable[[], HubContext]  # a fresh request context each call

REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"""
SUBSCRIBE = "subscription { gridEvents { step eventId } }"


class InstantSink:
    """A department system that answers at once: the bus's own cost, not the network's."""

    def __init__(self, department: str, counter: Counter) -> None:
        self.department = department
        self.counter = counter

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        self.counter.add()
        return UpstreamRef(system="bench", id=order.event_id)


@dataclass
class Counter:
    value: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, amount: int = 1) -> None:
        self.value += amount
        self.changed.set()

    async def reach(self, target: int) -> None:
        while self.value < target:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), timeout=120)


@dataclass
class Setup:
    name: str
    settings: Settings
    places: list[Region]


async def town_database(url: str) -> list[Region]:
    """Migrate the database at ``url`` and import the town; its micro-grids."""
    database = Database(url)
    await migrate.upgrade(database)
    await import_document(database, generate_town(), "bench")
    async with database.session() as session:
        places = await store.page(session, RegionLevel.MICRO_GRID, None, None, 10_000)
    await database.aclose()
    return places


class PostgresCopies:
    """Fresh PostgreSQL databases, each a copy of one template holding the town."""

    def __init__(self, server: str) -> None:
        self.server = make_url(server)
        self.template = f"hub_bench_town_{uuid.uuid4().hex[:8]}"
        self.made: list[str] = []

    def url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    async def _admin(self, statement: str) -> None:
        admin = create_async_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await admin.dispose()

    async def create_template(self) -> None:
        await self._admin(f'CREATE DATABASE "{self.template}"')
        self.made.append(self.template)
        await town_database(self.url(self.template))

    async def copy(self) -> str:
        name = f"hub_bench_{uuid.uuid4().hex[:12]}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        return self.url(name)

    async def drop_all(self) -> None:
        for name in reversed(self.made):
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reports(places: Sequence[Region], count: int, seed: int = 1) -> list[Report]:
    rng = random.Random(seed)
    return [report_at(rng, rng.choice(FINDINGS), rng.choice(places)) for _ in range(count)]


async def new_bus(settings: Settings, metrics: Metrics) -> tuple[EventBus, Database]:
    database = Database(settings.database_url)
    registry = Registry(database)
    await registry.refresh()
    # The installed connectors' feed types and rules, as a hub process has them.
    contributions = Contributions.of(discover())
    return EventBus(settings.bus, database, registry, contributions, metrics), database


def counting(
    handler: Callable[[CloudEvent], Awaitable[list[Message]]], routed: Counter, orders: Counter
) -> Callable[[CloudEvent], Awaitable[list[Message]]]:
    async def handle(event: CloudEvent) -> list[Message]:
        outputs = await handler(event)
        if outputs and event.type == "gov.grid.event.reported":
            routed.add()
            orders.add(
                sum(
                    1
                    for m in outputs
                    if (dict(m.headers).get("ce_type") or b"").decode() == DispatchType.WORK_ORDER
                )
            )
        return outputs

    return handle


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def worker(bus: EventBus, subscriber: Subscriber) -> Worker:
    return Worker(
        bus.backend,
        subscriber,
        member="bench",
        dead_letters=bus.topics.dead_letters,
        batch_size=bus.settings.batch_size,
        metrics=bus.metrics,
    )


async def fill_outbox(bus: EventBus, database: Database, batch: Sequence[Report]) -> None:
    for start in range(0, len(batch), 1000):
        messages = [
            bus.intake.reported_event(r)[0].message(bus.topics.grid_events)
            for r in batch[start : start + 1000]
        ]
        async with database.engine.begin() as connection:
            await enqueue(connection, messages)


@asynccontextmanager
async def backlog(
    setup: Setup, count: int, accepted: Counter | None = None
) -> AsyncIterator[tuple[EventBus, Subscriber, Counter, Counter]]:
    """A bus with ``count`` reports in its outbox, and a router that counts what it routes.
    With ``accepted``, every department has an instant sink counting into it."""
    bus, database = await new_bus(setup.settings, Metrics())
    routed, orders = Counter(), Counter()
    if accepted is not None:
        for department in bus.departments:
            bus.links.add_sink(InstantSink(department, accepted))
    router = Subscriber(
        bus.topics.group("router"),
        (bus.topics.grid_events,),
        each(counting(bus.router.handle, routed, orders)),
    )
    async with AsyncExitStack() as stack:
        stack.push_async_callback(database.aclose)
        await bus.backend.start()
        stack.push_async_callback(bus.backend.stop)
        await bus.backend.ensure_topics(bus.topics.all(bus.departments))
        await fill_outbox(bus, database, reports(setup.places, count))
        await settle_heap()  # as `hub events run` does once it has started
        yield bus, router, routed, orders


async def measure_route(setup: Setup, count: int) -> float:
    """The router alone on a backlog of ``count`` reported events: events/s."""
    async with backlog(setup, count) as (bus, router, routed, _):
        await bus.relay.drain()
        started = time.perf_counter()
        task = asyncio.create_task(worker(bus, router).run())
        await routed.reach(count)
        elapsed = time.perf_counter() - started
        await stop(task)
    return count / elapsed


async def measure_transactions(settings: KafkaSettings, count: int) -> dict[str, float]:
    """Median ms a transaction, back to back, with aiokafka's waits and with the hub's;
    in turns, so a busy moment on the machine falls on both."""
    waits = {
        "aiokafka's waits": (AIOKAFKA_CONCURRENT_TRANSACTIONS_RETRY_SECONDS, 100),
        "the hub's": (CONCURRENT_TRANSACTIONS_RETRY_SECONDS, settings.transaction_retry_ms),
    }
    times: dict[str, list[float]] = {name: [] for name in waits}
    try:
        for _ in range(2):
            for name, (first_partition, retry_ms) in waits.items():
                aiokafka_sender.BACKOFF_OVERRIDE = first_partition
                tuned = settings.model_copy(update={"transaction_retry_ms": retry_ms})
                times[name] += await _transactions(KafkaBackend(tuned), count // 2)
    finally:
        aiokafka_sender.BACKOFF_OVERRIDE = CONCURRENT_TRANSACTIONS_RETRY_SECONDS
    return {name: statistics.median(each) * 1000 for name, each in times.items()}


async def _transactions(backend: KafkaBackend, count: int) -> list[float]:
    name = bench_namespace()
    source, out = f"{name}.in", f"{name}.out"
    await backend.start()
    member = backend.group_consumer(f"{name}.group", [source], "bench")
    try:
        await backend.ensure_topics([source, out])
        await backend.publish([Message(source, "grid", b"%d" % i) for i in range(count)])
        await member.start()
        times: list[float] = []
        while len(times) < count:
            for record in await member.fetch(1, max_wait=1.0):
                outputs = [Message(out, "grid", record.value)] if len(times) % 2 else []
                started = time.perf_counter()
                await member.commit([record], outputs)
                times.append(time.perf_counter() - started)
        return times
    finally:
        await member.stop()
        await backend.stop()


async def measure_pipeline(setup: Setup, count: int) -> tuple[float, float, float]:
    """Outbox → bus → router → dispatch → accepted, all at once: (relay, routed, accepted) /s."""
    accepted = Counter()
    async with backlog(setup, count, accepted) as (bus, router, routed, orders):
        dispatchers = bus.subscribers({Role.DISPATCH})
        started = time.perf_counter()
        tasks = [asyncio.create_task(worker(bus, s).run()) for s in (router, *dispatchers)]
        await bus.relay.drain()
        relayed = time.perf_counter() - started
        await routed.reach(count)
        routed_at = time.perf_counter() - started
        await accepted.reach(orders.value)
        done = time.perf_counter() - started
        for task in tasks:
            await stop(task)
    return count / relayed, count / routed_at, count / done


async def measure_intake(setup: Setup, count: int) -> tuple[float, float]:
    bus, database = await new_bus(setup.settings, Metrics())
    batch = reports(setup.places, count, seed=2)
    await settle_heap()
    started = time.perf_counter()
    for report in batch:
        await bus.intake.report(report)
    direct = count / (time.perf_counter() - started)
    await database.aclose()
    app = create_app(setup.settings)
    schema, services = app.state.schema, app.state.services
    await services.registry.refresh()
    context = await signed_in(services)
    await settle_heap()
    started = time.perf_counter()
    for report in batch:
        result = await schema.execute(
            REPORT, variable_values=_variables(report), context_value=context()
        )
        assert not result.errors, result.errors
    graphql = count / (time.perf_counter() - started)
    await services.aclose()
    return direct, graphql


def _variables(report: Report) -> dict[str, Any]:
    return {
        "i": {
            "category": report.category,
            "description": report.description,
            "channel": report.channel.value,
            "location": {"lat": report.lat, "lon": report.lon},
        }
    }


async def until(check: Callable[[], bool], within: float) -> None:
    """Until ``check()`` holds or ``within`` seconds passed."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        if check():
            return
        await asyncio.sleep(0.01)


@dataclass
class Stopwatch:
    """When each report was sent, answered, and seen by the subscriber at each step."""

    steps: int = 2  # seen of each report: REPORTED, and ROUTED where a router runs
    sent: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)  # reportEvent returned
    seen: dict[tuple[str, str], float] = field(default_factory=dict)

    async def settled(self, within: float) -> None:
        """Until every report was seen at each step, or ``within`` seconds passed."""
        await until(lambda: len(self.seen) >= self.steps * len(self.sent), within)

    def summary(self, step: str) -> str:
        """From sending each report to the subscriber seeing ``step``, or to the answer."""
        ends = (
            self.answered
            if step == ANSWERED
            else {i: t for (i, s), t in self.seen.items() if s == step}
        )
        waits = sorted((ends[i] - t) * 1000 for i, t in self.sent.items() if i in ends)
        if not waits:
            return "none seen"
        p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
        median = statistics.median(waits)
        return f"p50 {median:7.1f} ms  p99 {p99:7.1f} ms  ({len(waits)}/{len(self.sent)} seen)"


async def follow(schema: Any, context: Contexts, watch: Stopwatch) -> None:
    stream = await schema.subscribe(SUBSCRIBE, context_value=context())
    async for result in stream:
        update = result.data["gridEvents"]
        watch.seen[(update["eventId"], update["step"])] = time.perf_counter()


async def offer(
    schema: Any, context: Contexts, batch: list[Report], rate: float, watch: Stopwatch
) -> float:
    """Send ``batch`` at ``rate`` a second, each on its own task; returns the rate achieved."""

    async def one(report: Report) -> None:
        begin = time.perf_counter()
        result = await schema.execute(
            REPORT, variable_values=_variables(report), context_value=context()
        )
        event_id = result.data["reportEvent"]["id"]
        watch.sent[event_id], watch.answered[event_id] = begin, time.perf_counter()

    started = time.perf_counter()
    tasks = []
    for index, report in enumerate(batch):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(report)))
    await asyncio.gather(*tasks)
    return len(batch) / (time.perf_counter() - started)


async def warm_up(
    schema: Any, services: Any, context: Contexts, places: list[Region], watch: Stopwatch
) -> None:
    """Until a few reports went round (the worker has joined its group), then forget them."""
    await until(lambda: bool(services.bus.live.subscribers), 30)  # registers on its first read
    await offer(schema, context, reports(places, 20, seed=4), 20, watch)
    await watch.settled(within=60)
    watch.sent.clear()
    watch.answered.clear()
    watch.seen.clear()


def start_workers(settings: Settings, roles: Sequence[str]) -> subprocess.Popen[bytes]:
    """The router and the ledger in a process of their own, as a deployment runs them."""
    bus = settings.bus
    env = {
        **os.environ,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_BUS__BACKEND": bus.backend.value,
        "HUB_BUS__NAMESPACE": bus.namespace,
        "HUB_BUS__INSTANCE_ID": "bench-worker",
        "HUB_BUS__POLL_INTERVAL_SECONDS": str(bus.poll_interval_seconds),
        "HUB_BUS__KAFKA__BOOTSTRAP_SERVERS": bus.kafka.bootstrap_servers,
    }
    command = [sys.executable, "-m", "hub", "events", "run"]
    command += [part for role in roles for part in ("--role", role)]
    return subprocess.Popen(command, env=env)


async def measure_latency(
    setup: Setup, rate: float, seconds: float, *, router: bool = True
) -> tuple[float, Stopwatch]:
    """reportEvent → subscriber. This process is a hub replica (GraphQL, intake, relay, live
    stream); the router and the ledger run in another, as they would deployed. Without
    the router (nothing is routed), what it costs the rows shows: the cores and database
    it shares with this process, and its transactions, at which the stream's readers stop."""
    bus = setup.settings.bus.model_copy(
        update={
            "subscriber_queue_size": 1_000_000,
            "roles": {Role.RELAY, Role.LIVE},
            "poll_interval_seconds": 0.005,  # across processes the embedded log is polled
        }
    )
    settings = setup.settings.model_copy(update={"bus": bus})
    app = create_app(settings, companions=[settle_heap])  # as `hub serve` runs it
    services, schema = app.state.services, app.state.schema
    watch = Stopwatch(steps=2 if router else 1)
    workers = start_workers(settings, ["router", "ledger"] if router else ["ledger"])
    try:
        async with app.router.lifespan_context(app):
            await asyncio.wait_for(services.bus.live.ready.wait(), 60)
            context = await signed_in(services)
            reader = asyncio.create_task(follow(schema, context, watch))
            await warm_up(schema, services, context, setup.places, watch)
            batch = reports(setup.places, int(rate * seconds), 3)
            achieved = await offer(schema, context, batch, rate, watch)
            await watch.settled(within=30)
            await stop(reader)
    finally:
        workers.terminate()
        workers.wait(timeout=30)
    return achieved, watch


def settings_for(kind: str, database_url: str, kafka: str | None) -> Settings:
    bus = BusSettings(
        backend=BackendKind.KAFKA if kind == "kafka" else BackendKind.EMBEDDED,
        namespace=f"{bench_namespace()}.",
        instance_id="bench",
        kafka=KafkaSettings(bootstrap_servers=kafka or "127.0.0.1:9092", partitions=6),
        batch_size=1000,
    )
    return unthrottled(Settings(database_url=database_url, bus=bus, log_level="WARNING"))


@dataclass(frozen=True)
class Configuration:
    """A bus backend and the database the ledger (and the embedded log) live in."""

    backend: str  # kafka | embedded
    ledger: str  # sqlite | postgresql

    @property
    def name(self) -> str:
        return f"{self.backend}, ledger on {self.ledger}"


@dataclass
class Databases:
    """Where each measurement's fresh database comes from."""

    sqlite_town: Path
    scratch: Path
    postgres: PostgresCopies | None

    async def fresh(self, ledger: str) -> str:
        if ledger == "postgresql":
            assert self.postgres is not None
            return await self.postgres.copy()
        path = self.scratch / f"{uuid.uuid4().hex[:8]}.db"  # a fresh file: no stale WAL beside it
        shutil.copy(self.sqlite_town, path)
        return f"sqlite+aiosqlite:///{path}"


async def kafka_answers(address: str | None) -> bool:
    if not address:
        return False
    try:
        await KafkaBackend(KafkaSettings(bootstrap_servers=address)).ping()
    except Exception:
        return False
    return True


ROWS = ("transactions", "route", "pipeline", "intake", "latency")
Fresh = Callable[[], Awaitable[Setup]]


async def run_configuration(
    configuration: Configuration,
    databases: Databases,
    places: list[Region],
    args: argparse.Namespace,
) -> None:
    async def fresh() -> Setup:
        url = await databases.fresh(configuration.ledger)
        return Setup(
            configuration.name, settings_for(configuration.backend, url, args.kafka), places
        )

    rows: dict[str, Callable[[], Awaitable[list[str]]]] = {
        "transactions": lambda: _transactions_row(configuration, fresh),
        "route": lambda: _route_row(fresh, args.events),
        "pipeline": lambda: _pipeline_row(fresh, args.events),
        "intake": lambda: _intake_row(fresh, args.intake),
        "latency": lambda: _latency_rows(fresh, args),
    }
    # Printed once all are measured: the clients' warnings would come between the rows.
    lines = [line for name in ROWS if name in args.only for line in await rows[name]()]
    print(f"\n== {configuration.name} ==", *lines, sep="\n")


async def _transactions_row(configuration: Configuration, fresh: Fresh) -> list[str]:
    if configuration.backend != "kafka" or configuration.ledger != "sqlite":
        return []  # the broker's behaviour: once is enough
    found = await measure_transactions((await fresh()).settings.bus.kafka, 400)
    each = ", ".join(f"{name} {ms:.1f}" for name, ms in found.items())
    return [f"transactions back to back, ms each (median of 400): {each}"]


async def _route_row(fresh: Fresh, count: int) -> list[str]:
    route = await measure_route(await fresh(), count)
    return [f"route, the router alone on {count:,} reports:   {route:9,.0f} events/s"]


async def _pipeline_row(fresh: Fresh, count: int) -> list[str]:
    relay, routed, accepted = await measure_pipeline(await fresh(), count)
    return [
        f"pipeline, {count:,} reports from the outbox to accepted orders, all at once:",
        f"   relayed {relay:,.0f}/s, routed {routed:,.0f}/s, dispatched+accepted {accepted:,.0f}/s",
    ]


async def _intake_row(fresh: Fresh, count: int) -> list[str]:
    direct, graphql = await measure_intake(await fresh(), count)
    return [f"intake, one at a time: direct {direct:,.0f}/s, GraphQL reportEvent {graphql:,.0f}/s"]


async def _latency_rows(fresh: Fresh, args: argparse.Namespace) -> list[str]:
    lines = []
    for offered in args.rates:
        setup = await fresh()
        achieved, watch = await measure_latency(
            setup, offered, args.seconds, router=not args.without_router
        )
        lines += [
            f"reportEvent → subscriber, {offered:.0f}/s offered, {achieved:.0f}/s achieved:",
            f"   answered {watch.summary(ANSWERED)}",
            f"   REPORTED {watch.summary('REPORTED')}",
            f"   ROUTED   {watch.summary('ROUTED')}",
        ]
    return lines


NAMESPACES: list[str] = []  # of this run's topics, dropped at its end


def bench_namespace() -> str:
    name = f"bench{uuid.uuid4().hex[:8]}"
    NAMESPACES.append(name)
    return name


async def drop_topics(kafka: str) -> None:
    """This run's topics: a broker kept between runs would hold each run's (16 topics of
    6 partitions a measurement), and later runs would read its metadata and wait on its
    partitions' leaders."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    try:
        await admin.start()
        ours = tuple(f"{name}." for name in NAMESPACES)
        made = [topic for topic in await admin.list_topics() if topic.startswith(ours)]
        if made:
            await admin.delete_topics(made)
    finally:
        await admin.close()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        town = Path(scratch) / "town.db"
        places = await town_database(f"sqlite+aiosqlite:///{town}")
        postgres = PostgresCopies(args.postgres) if args.postgres else None
        databases = Databases(town, Path(scratch), postgres)
        try:
            if postgres is not None:
                await postgres.create_template()
            for configuration in await configurations(args, with_postgres=postgres is not None):
                await run_configuration(configuration, databases, places, args)
        finally:
            if postgres is not None:
                await postgres.drop_all()
            if NAMESPACES and await kafka_answers(args.kafka):
                await drop_topics(args.kafka)


async def configurations(args: argparse.Namespace, *, with_postgres: bool) -> list[Configuration]:
    found = []
    if await kafka_answers(args.kafka):
        found.append(Configuration("kafka", "sqlite"))
        if with_postgres:
            found.append(Configuration("kafka", "postgresql"))
    else:
        print(f"kafka: no broker at {args.kafka!r}; measuring the embedded backend only")
    return [*found, Configuration("embedded", "sqlite")]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kafka", default=os.environ.get("HUB_TEST_KAFKA_BOOTSTRAP"))
    parser.add_argument("--postgres", default=os.environ.get("HUB_TEST_POSTGRES_URL"))
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--intake", type=int, default=2_000)
    parser.add_argument("--rates", type=float, nargs="+", default=[1000, 200])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--only", nargs="+", choices=ROWS, default=ROWS, help="these rows (default: all)"
    )
    parser.add_argument(
        "--without-router",
        action="store_true",
        help="latency rows with only the ledger beside the replica: what the router costs "
        "them (the cores and database it shares, its transactions on the stream)",
    )
    # On the loop `hub serve` and `hub events run` run on (HUB_EVENT_LOOP; uvloop where it
    # is installed): this process is a replica.
    with asyncio.Runner(loop_factory=loop_factory(Settings().event_loop)) as runner:
        runner.run(main(parser.parse_args()))
