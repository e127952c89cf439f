"""A fault run with real processes, shared by ``python -m bench.faults`` (the long run) and
``tests/faults/test_fault_runs.py`` (CI's short one).

The stage: a Kafka broker and a PostgreSQL cluster of the run's own (scripts/kafka and
scripts/postgres on a private state directory and free ports, never the shared ones
other tests use), the four department simulators each in its own process
(``bench.upstreams``), and ``hub serve`` on Kafka and PostgreSQL, its database migrated,
the demo town imported and the simulators' grid schemes laid over it.

Each fault: reports (``reportEvent``) at a steady rate, one for each department in turn,
and ONE fault mid-stream; ``/readyz`` sampled every 0.5 s all along. Then the hub gets a
bounded time to settle: every accepted report must reach its department's system, and
reports sent after the fault must do so at normal latency again (a report a second
more while they do not). Then it is counted: requests, accepted, lost (accepted but not
in the ledger, still REPORTED, or without its department's work order), duplicated work
orders (the ledger's steps and the departments' own records), 5xx (and any other error
without a code), the time to recover and what readiness said during the fault.

Every process the run starts is stopped at its end, whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bench import fault_tally as tally
from bench import upstreams
from bench.event_bus import town_database
from bench.fault_components import (
    ComponentUnavailableError,
    HubProcess,
    PrivateBroker,
    PrivatePostgres,
    ScriptFailedError,
)
from bench.fault_positions import stalls
from bench.gateway import hub_env, made_key
from bench.peer import connectors_env
from connectors.sdk.simulation import generate_town
from hub.config import Settings
from hub.demo.departments import lay_crosswalk
from hub.security.keys import KeyRequest
from hub.services import Services

# Each department's simulator, and a category its system takes work orders for (none of
# them settled inside the grid, so every report makes one order at its lead department).
CATEGORIES = {
    "citymgmt": "city.billboard",
    "health": "health.fever_cluster",
    "petition": "appeal.complaint",
    "police": "security.gambling",
}
DEPARTMENTS = list(CATEGORIES)
# What a department fault asks of the simulator's /_admin/faults: slower than the
# connector's 2 s timeout (so the hub gives up while the system goes on to make the
# order), every call a 500, or every successful answer cut off mid-JSON.
DEPARTMENT_FAULTS: dict[str, dict[str, Any]] = {
    "department-slow": {"latency_ms": 3000},
    "department-failing": {"error_rate": 1.0, "error_status": 500},
    "department-garbled": {"malformed": True},
}
FAULTS = ("kafka", "hub", "postgres", *DEPARTMENT_FAULTS)
REPORT = "mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"
SAMPLE_EVERY = 0.5  # seconds between /readyz samples
PROBE_EVERY = 0.5  # seconds between reports while the hub settles
REQUEST_TIMEOUT = 10.0
IN_FLIGHT = 64  # reports awaiting an answer at once, at most
WARM_UP_REPORTS = 20


@dataclass(frozen=True)
class Plan:
    """How long and how hard: reports per fault, their rate, how long the fault lasts,
    the department a department fault hits, and how long the hub gets to settle."""

    reports: int = 3000
    rate: float = 50.0
    outage: float = 20.0
    department: str = "citymgmt"
    settle_within: float = 120.0
    hub_log_level: str = "WARNING"  # INFO shows each consumer's restarts and dropped batches

    @property
    def lead_in(self) -> float:
        """Seconds of reports before the fault: the fault sits in the stream's middle."""
        return max(1.0, (self.reports / self.rate - self.outage) / 2)


@dataclass
class Stage:
    """The running processes and what a run needs to talk to them."""

    broker: PrivateBroker
    postgres: PrivatePostgres
    hub: HubProcess
    systems: dict[str, str]
    key: str
    engine: AsyncEngine
    places: list[tuple[float, float]]
    offset: float  # the machine's wall clock minus this process's monotonic clock

    def wall(self, moment: float) -> float:
        """A ``time.monotonic()`` moment on the hub's clock."""
        return moment + self.offset


# -- the stage -------------------------------------------------------------------------


@asynccontextmanager
async def staged(logs: Path, hub_log_level: str = "WARNING") -> AsyncIterator[Stage]:
    """Start everything (the hub's log goes to ``logs``/hub.log, the broker's to
    ``logs``/kafka.log); stop everything after.
    Raises ComponentUnavailableError when Kafka or PostgreSQL cannot start at all."""
    state = private_state()
    broker, postgres = PrivateBroker(state / "kafka"), PrivatePostgres(state / "pg")
    async with AsyncExitStack() as stack:
        stack.callback(shutil.rmtree, state, ignore_errors=True)  # last: after the stops
        stack.callback(_kept, broker.state / "logs" / "server.log", logs / "kafka.log")
        stack.callback(_quietly, postgres.stop)
        stack.callback(_quietly, broker.stop)
        kafka = asyncio.create_task(_starting("Kafka", broker.start))
        stack.push_async_callback(_settled_task, kafka)
        url = await _starting("PostgreSQL", postgres.start)
        places = await prepared_database(url)
        key = await made_key(url, KeyRequest("fault run", ("command",)))
        systems = stack.enter_context(upstreams.running(DEPARTMENTS))
        await kafka
        environment = hub_environment(url, broker, systems) | {"HUB_LOG_LEVEL": hub_log_level}
        hub = HubProcess(environment, logs / "hub.log")
        stack.callback(hub.stop)
        await asyncio.to_thread(hub.start)
        engine = create_async_engine(url, poolclass=NullPool)  # the server restarts
        stack.push_async_callback(engine.dispose)
        offset = await clock_offset(engine)
        yield Stage(broker, postgres, hub, systems, key, engine, places, offset)


def _kept(log: Path, to: Path) -> None:
    """The broker's own log beside the hub's: what it says of a stalled partition."""
    with contextlib.suppress(OSError):
        shutil.copyfile(log, to)


def private_state() -> Path:
    """A new directory for the broker's and the cluster's state, which the postgres user
    (the server runs as it when we are root) may enter."""
    state = Path(tempfile.mkdtemp(prefix="hub-faults-"))
    state.chmod(0o755)
    return state


async def _starting(component: str, start: Callable[[], Any]) -> Any:
    try:
        return await asyncio.to_thread(start)
    except ScriptFailedError as error:
        raise ComponentUnavailableError(component, str(error)) from error


async def _settled_task(task: asyncio.Task[Any]) -> None:
    """Wait for a start still running when the stage is torn down, so its stop follows."""
    with contextlib.suppress(Exception):
        await task


def _quietly(stop: Callable[[], None]) -> None:
    """A stop that fails must not hide why the run ended, nor keep the others from
    running."""
    try:
        stop()
    except (ScriptFailedError, OSError, RuntimeError) as error:
        print(f"fault run: cleanup: {error}")


async def prepared_database(url: str) -> list[tuple[float, float]]:
    """Migrate, import the demo town and lay the simulators' grid schemes over it; the
    micro-grids' centres, where reports are made."""
    places = await town_database(url)
    services = Services.create(Settings(database_url=url, log_level="WARNING"))
    try:
        await lay_crosswalk(services.crosswalk, generate_town())
    finally:
        await services.aclose()
    return [(p.centroid_lat, p.centroid_lon) for p in places]


def hub_environment(url: str, broker: PrivateBroker, systems: Mapping[str, str]) -> dict[str, str]:
    """``hub serve`` on the private broker and cluster, pointed at the simulators, with
    the rate limit lifted (one key sends every report) and third-party connectors off
    (the four departments are the ones under test)."""
    return (
        hub_env(url)
        | connectors_env(systems)
        | {
            "HUB_BUS__BACKEND": "kafka",
            "HUB_BUS__KAFKA__BOOTSTRAP_SERVERS": broker.bootstrap,
            "HUB_BUS__INSTANCE_ID": "fault-run",  # kept across restarts: fences the old one
            # A transaction the broker never ends (Kafka can leave one when killed) is
            # ended within the settle time, and said so in the hub's log.
            "HUB_BUS__HELD_AFTER_SECONDS": "30",
            "HUB_CONNECTORS__PLUGIN_AUTOLOAD": "false",
            "HUB_SHUTDOWN_GRACE_SECONDS": "3",
            "HUB_LOG_FORMAT": "json",  # timed, to line up with the broker's log
        }
    )


async def clock_offset(engine: AsyncEngine) -> float:
    """The machine's wall clock (the database server's) minus ``time.monotonic()``."""
    async with engine.connect() as connection:
        before = time.monotonic()
        now = await connection.scalar(text("SELECT extract(epoch FROM clock_timestamp())"))
        after = time.monotonic()
    return float(now) - (before + after) / 2


# -- reports ---------------------------------------------------------------------------


@dataclass
class Sent:
    department: str
    at: float  # monotonic, when it was sent
    answer: str = "not answered"  # "accepted", "503 SERVICE_UNAVAILABLE", "no connection" …
    event_id: str | None = None


class Reporter:
    """Sends reports and keeps each one's answer."""

    def __init__(self, stage: Stage) -> None:
        self.base = stage.hub.base
        self.key = stage.key
        self.places = itertools.cycle(stage.places)
        self.sent: list[Sent] = []
        self.limit = asyncio.Semaphore(IN_FLIGHT)

    async def stream(self, count: int, rate: float, departments: Sequence[str]) -> None:
        """``count`` reports at ``rate`` a second, on time whatever the answers take (each
        on its own task, IN_FLIGHT at most awaiting an answer)."""
        async with self._client() as http:
            started, tasks = time.monotonic(), []
            for index, department in zip(range(count), itertools.cycle(departments)):
                await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
                tasks.append(asyncio.create_task(self._limited(http, department)))
            await asyncio.gather(*tasks)

    async def one(self, department: str) -> Sent:
        async with self._client() as http:
            return await self._report(http, department)

    def accepted(self, sent: Sequence[Sent] | None = None) -> list[str]:
        return [s.event_id for s in (self.sent if sent is None else sent) if s.event_id]

    def _client(self) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.key}"}
        limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
        return httpx.AsyncClient(
            base_url=self.base, headers=headers, timeout=REQUEST_TIMEOUT, limits=limits
        )

    async def _limited(self, http: httpx.AsyncClient, department: str) -> Sent:
        async with self.limit:
            return await self._report(http, department)

    async def _report(self, http: httpx.AsyncClient, department: str) -> Sent:
        sent = Sent(department, time.monotonic())
        self.sent.append(sent)
        lat, lon = next(self.places)
        report = {
            "category": CATEGORIES[department],
            "description": "故障演练：网格员巡查上报",
            "channel": "PATROL",
            "location": {"lat": lat, "lon": lon},
        }
        try:
            answer = await http.post("/graphql", json={"query": REPORT, "variables": {"i": report}})
        except httpx.TimeoutException:
            sent.answer = "timeout"
        except httpx.TransportError as error:  # the hub is away: not accepted, no answer
            sent.answer = f"no connection ({type(error).__name__})"
        else:
            sent.answer, sent.event_id = classified(answer)
        return sent


def classified(answer: httpx.Response) -> tuple[str, str | None]:
    """ "accepted" and the event's id; or the status and the error's code ("untyped"
    without one, "not JSON" for a body that is none). A 503 without Retry-After is not
    the typed, temporary one."""
    try:
        body = answer.json()
    except ValueError:
        return f"{answer.status_code} not JSON", None
    event = (body.get("data") or {}).get("reportEvent") if isinstance(body, dict) else None
    if event:
        return "accepted", str(event["id"])
    said = f"{answer.status_code} {_code(body)}"
    if said == tally.TYPED_OUTAGE and "retry-after" not in answer.headers:
        return f"{said} without Retry-After", None
    return said, None


def _code(body: Any) -> str:
    try:
        return str(body["errors"][0]["extensions"]["code"])
    except (KeyError, IndexError, TypeError):
        return "untyped"


# -- readiness -------------------------------------------------------------------------


@dataclass
class Readiness:
    """``/readyz`` every SAMPLE_EVERY seconds: when, and what it said."""

    base: str
    department: str | None = None  # a department fault's: its health is kept too
    samples: list[tuple[float, tally.Reading]] = field(default_factory=list)

    async def sample(self, until: asyncio.Event) -> None:
        """A sample every SAMPLE_EVERY seconds on the clock, each on its own task: a slow
        answer does not thin the samples out."""
        async with httpx.AsyncClient(base_url=self.base, timeout=2) as http:
            taken = []
            while not until.is_set():
                taken.append(asyncio.create_task(self._sample(http)))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(until.wait(), SAMPLE_EVERY)
            await asyncio.gather(*taken)

    async def _sample(self, http: httpx.AsyncClient) -> None:
        at = time.monotonic()
        self.samples.append((at, await self._said(http)))

    async def _said(self, http: httpx.AsyncClient) -> tally.Reading:
        try:
            answer = await http.get("/readyz")
            body = answer.json()
        except (httpx.TransportError, ValueError):
            return tally.Reading(None)
        return tally.Reading(
            answer.status_code,
            str(body.get("status")),
            {k: v for k, v in body.get("checks", {}).items() if v != "ok"},
            str(body.get("bus")).split(" (")[0],  # its parenthesis is the same every time
            self._department(body),
        )

    def _department(self, body: dict[str, Any]) -> str | None:
        if self.department is None:
            return None
        return f"{self.department} {body.get('departments', {}).get(self.department)}"

    def between(self, start: float, end: float) -> list[tally.Reading]:
        return [said for at, said in sorted(self.samples, key=lambda s: s[0]) if start <= at <= end]


# -- faults ----------------------------------------------------------------------------

Action = Callable[[Stage], Awaitable[None]]


def _blocking(action: Callable[[Stage], object]) -> Action:
    async def run(stage: Stage) -> None:
        await asyncio.to_thread(action, stage)

    return run


def _department_fault(faults: Mapping[str, Any], department: str) -> tuple[Action, Action]:
    async def take(stage: Stage) -> None:
        await _admin(stage.systems[department], "POST", faults)

    async def give(stage: Stage) -> None:
        await _admin(stage.systems[department], "DELETE", None)

    return take, give


async def _admin(url: str, method: str, faults: Mapping[str, Any] | None) -> None:
    async with httpx.AsyncClient(headers=upstreams.ADMIN, timeout=10) as http:
        answer = await http.request(method, f"{url}/_admin/faults", json=faults)
        answer.raise_for_status()


def fault_actions(name: str, department: str) -> tuple[Action, Action]:
    """What takes the fault's component away, and what gives it back (returning once it
    is back: the broker accepting connections, the server ready, the hub ready)."""
    if name in DEPARTMENT_FAULTS:
        return _department_fault(DEPARTMENT_FAULTS[name], department)
    actions: dict[str, tuple[Callable[[Stage], object], Callable[[Stage], object]]] = {
        "kafka": (lambda s: s.broker.kill(), lambda s: s.broker.start()),
        "hub": (lambda s: s.hub.kill(), lambda s: s.hub.start()),
        "postgres": (lambda s: s.postgres.stop(), lambda s: s.postgres.start()),
    }
    take, give = actions[name]
    return _blocking(take), _blocking(give)


@dataclass
class Window:
    """When the fault began and when its component was back (monotonic)."""

    start: float = 0.0
    back: float = 0.0


async def inject(stage: Stage, name: str, plan: Plan, window: Window) -> None:
    take, give = fault_actions(name, plan.department)
    await asyncio.sleep(plan.lead_in)
    window.start = time.monotonic()
    await take(stage)
    await asyncio.sleep(plan.outage)
    await give(stage)
    window.back = time.monotonic()


# -- one fault, start to count ---------------------------------------------------------


@dataclass
class Settled:
    """The ledger's view once the hub settled (or the time to do so ran out)."""

    found: dict[str, tally.Outcome] = field(default_factory=dict)
    recovered_at: float | None = None


async def run_fault(stage: Stage, name: str, plan: Plan) -> tally.Row:
    """Reports at the plan's rate with fault ``name`` mid-stream, then settle and count."""
    scope = [plan.department] if name in DEPARTMENT_FAULTS else DEPARTMENTS
    readiness = Readiness(stage.hub.base, plan.department if name in DEPARTMENT_FAULTS else None)
    reporter, window, done = Reporter(stage), Window(), asyncio.Event()
    sampler = asyncio.create_task(readiness.sample(done))
    try:
        async with asyncio.TaskGroup() as both:  # one failing cancels the other
            both.create_task(reporter.stream(plan.reports, plan.rate, DEPARTMENTS))
            both.create_task(inject(stage, name, plan, window))
        settled = await settle(stage, reporter, window, plan, scope)
    finally:
        done.set()
        await sampler
    return await counted(
        stage, name, reporter, settled, readiness.between(window.start, window.back), window
    )


async def settle(
    stage: Stage, reporter: Reporter, window: Window, plan: Plan, scope: Sequence[str]
) -> Settled:
    """Until every accepted report has its work order and reports after the fault reach
    their department at normal latency again (a report in ``scope`` every PROBE_EVERY
    seconds while they do not), or ``plan.settle_within`` seconds have passed."""
    deadline = time.monotonic() + plan.settle_within
    probes = itertools.cycle(scope)
    settled = Settled()
    while True:
        settled.found = await _outcomes(stage, reporter.accepted(), settled.found)
        settled.recovered_at = recovery(stage, reporter, window, settled.found, scope)
        handled = not tally.Losses.of(reporter.accepted(), settled.found).count
        if (handled and settled.recovered_at is not None) or time.monotonic() > deadline:
            return settled
        if settled.recovered_at is None:
            await reporter.one(next(probes))
        await asyncio.sleep(PROBE_EVERY)


async def _outcomes(
    stage: Stage, ids: list[str], before: dict[str, tally.Outcome]
) -> dict[str, tally.Outcome]:
    try:
        return await tally.outcomes(stage.engine, ids)
    except (DBAPIError, OSError):
        return before  # the database is not back for us yet: the last view stands


def recovery(
    stage: Stage,
    reporter: Reporter,
    window: Window,
    found: Mapping[str, tally.Outcome],
    scope: Sequence[str],
) -> float | None:
    """The hub-clock moment reports in ``scope`` were handled at normal latency again."""
    before = [s for s in reporter.sent if s.at < window.start and s.department in scope]
    after = [s for s in reporter.sent if s.at >= window.back and s.department in scope]
    normal = tally.normal_latency(found[i] for i in reporter.accepted(before) if i in found)
    later = [found[i] for i in reporter.accepted(after) if i in found]
    return tally.recovered_at(later, normal, stage.wall(time.monotonic()))


async def counted(
    stage: Stage,
    name: str,
    reporter: Reporter,
    settled: Settled,
    readiness: list[tally.Reading],
    window: Window,
) -> tally.Row:
    """The row: every count taken from the ledger and the departments' own records."""
    ids = reporter.accepted()
    answers = [s.answer for s in reporter.sent]
    losses = tally.Losses.of(ids, settled.found)
    duplicated = await duplicates(stage, ids)
    recovered_in = None
    if settled.recovered_at is not None:
        recovered_in = settled.recovered_at - stage.wall(window.back)
    row = tally.Row(
        fault=name,
        requests=len(answers),
        accepted=len(ids),
        lost=losses.count,
        duplicated=len(duplicated),
        server_errors=sum(tally.is_server_error(a) or tally.is_untyped(a) for a in answers),
        typed_refusals=answers.count(tally.TYPED_OUTAGE),
        hung=answers.count("timeout"),
        recovered_in=recovered_in,
        readiness=readiness,
    )
    row.notes += [*losses.notes(), *tally.duplicate_notes(duplicated), *tally.answer_notes(answers)]
    if losses.count:  # where they stopped, while the broker still holds the state
        row.notes += await stalls(stage.broker.bootstrap)
    row.notes.append(
        f"began {_clock(stage.wall(window.start))}, back {_clock(stage.wall(window.back))}"
        f" ({window.back - window.start:.1f} s after it began), as the logs time them"
    )
    return row


def _clock(wall: float) -> str:
    """A moment as the hub's and the broker's logs write it (UTC)."""
    return datetime.fromtimestamp(wall, UTC).strftime("%H:%M:%S.%f")[:-3]


async def duplicates(stage: Stage, ids: list[str]) -> set[tuple[str, str]]:
    """(event, department) pairs with more than one work order: in the ledger's steps,
    or among the department system's own records."""
    ours = set(ids)
    records = await tally.upstream_records(stage.systems)
    upstream = {pair for pair, made in records.items() if pair[0] in ours and len(made) > 1}
    return upstream | await tally.ledger_duplicates(stage.engine, ids)


async def warm_up(stage: Stage, within: float = 120) -> None:
    """A few reports until each reached its department: the consumers have joined their
    groups and every connector has made its first call, so the first fault's 'normal'
    is normal."""
    reporter = Reporter(stage)
    await reporter.stream(WARM_UP_REPORTS, 10, DEPARTMENTS)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await tally.outcomes(stage.engine, reporter.accepted())
        if len(found) == WARM_UP_REPORTS and all(o.ordered_at for o in found.values()):
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(
        f"the warm-up's reports did not reach their departments:\n{stage.hub.tail()}"
    )


async def run_faults(
    names: Sequence[str],
    plan: Plan,
    logs: Path,
    done: Callable[[tally.Row], None] | None = None,
) -> list[tally.Row]:
    """Every fault in ``names`` in turn, on one stage; a row for each, also handed to
    ``done`` as soon as it is counted (a long run shows its progress)."""
    rows = []
    async with staged(logs, plan.hub_log_level) as stage:
        await warm_up(stage)
        for name in names:
            rows.append(await run_fault(stage, name, plan))
            if done is not None:
                done(rows[-1])
    return rows
