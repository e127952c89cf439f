"""The event bus as one hub process holds it: built once at start, run by role.

Reporting (``intake``) needs only the database; everything that touches the bus
starts in the background once the topics exist, and keeps retrying while the bus is
down, so a hub whose broker is away still takes reports into its outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from hub.bus import (
    Backend,
    BackendKind,
    BrokerWatch,
    BusSettings,
    BusUnavailableError,
    EmbeddedBackend,
    HeldWatch,
    Job,
    OutboxRelay,
    Role,
    Subscriber,
    Supervisor,
    Topics,
    Worker,
    each,
)
from hub.bus.runtime import backoff
from hub.bus.signal import Signal
from hub.core.clock import Clock, SystemClock
from hub.core.tasks import cancelled
from hub.db.engine import Database
from hub.dispatch import DepartmentLinks, Dispatcher, FeedPoller
from hub.dispatch.workbench import Workbench
from hub.events import Intake, LiveEvents, Projection, Taxonomy
from hub.events.severity import SeverityRules
from hub.events.steps import Steps
from hub.observability.metrics import Metrics
from hub.registry.service import Registry
from hub.routing import Router, RulesFile
from hub.services.contributions import Contributions
from hub.stats import Statistics
from hub.timers.book import TimerBook
from hub.timers.schedule import Schedule
from hub.timers.service import TimerService

log = logging.getLogger(__name__)

DISPATCH_RETRY_CAP = 5.0
"""Seconds at most between retries of an order to a department that is down: back from
an outage, it gets its orders within seconds rather than at the end of a 30 s wait. A
retry is one call, and refused at home while the connector's breaker is open."""


def _report_failure(task: asyncio.Task[None]) -> None:
    """Bus tasks run until cancelled; one that ends otherwise is a bug worth a traceback."""
    if not task.cancelled() and task.exception() is not None:
        log.error("a bus task died", exc_info=task.exception())


def create_backend(settings: BusSettings, database: Database) -> Backend:
    if settings.backend is BackendKind.KAFKA:
        from hub.bus import KafkaBackend  # noqa: PLC0415 - aiokafka only when it is used

        return KafkaBackend(settings.kafka)
    return EmbeddedBackend(database, settings.poll_interval_seconds)


class EventBus:
    def __init__(  # noqa: PLR0913 - what a bus is built from; backend and clock for tests
        self,
        settings: BusSettings,
        database: Database,
        registry: Registry,
        contributions: Contributions,
        metrics: Metrics,
        backend: Backend | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = metrics
        self.departments = departments = contributions.department_codes
        self.topics = Topics(settings.namespace)
        self.backend = backend or create_backend(settings, database)
        self.taxonomy = Taxonomy.load_all(
            settings.taxonomy_file, contributions.taxonomy_files, departments
        )
        self.rules = RulesFile(
            settings.routing_rules_file,
            self.taxonomy,
            departments,
            contributions.feed_types,
            contributions.rule_sources,
        )
        self.links = DepartmentLinks(departments, contributions.feed_types)
        written = Signal()
        severities = SeverityRules.load(settings.severity_file, departments)
        self.intake = Intake(database, registry, self.taxonomy, self.topics, written, severities)
        timers = TimerBook(Schedule.load(settings.timers))
        self.steps = Steps(database, self.topics, written, timers, self.clock)
        self.workbench = Workbench(self.steps, self.links)  # desks of departments without systems
        self.broker = BrokerWatch(self.backend, metrics)
        self.held = HeldWatch(
            self.backend,
            self.topics.all(departments),
            metrics,
            settings.held_after_seconds,
            owned_by=self.topics.group("") if settings.end_held_transactions else None,
        )
        self.relay = OutboxRelay(
            database,
            self.backend,
            settings.batch_size,
            written,
            settings.poll_interval_seconds,
            resumed=self.broker.back,
        )
        self.live = LiveEvents(
            self.backend, self.topics.grid_events, settings.subscriber_queue_size
        )
        self.feeds = FeedPoller(self.intake, self.links, self.clock, settings.feed_poll_seconds)
        self.schedule = timers.schedule
        self.router = Router(
            self.taxonomy, self.rules, self.topics, self.schedule.deadline, severities
        )
        # A verification is timely within a working day, on the working calendar; handling
        # times are on the hub's clock (demo hours in a demo that runs faster).
        statistics = Statistics(
            self.schedule.within_a_working_day, self.schedule.settings.time_scale
        )
        self.projection = Projection(
            database, self.topics, timers, statistics, contributions.replies_by
        )
        self.timers = TimerService(
            database, self.schedule, self.topics, self.clock, settings.timers, written
        )
        self.roles: set[Role] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self.supervisor = Supervisor()
        self._workers: list[Worker] = []
        self._alongside: list[tuple[Role, Callable[[], Coroutine[Any, Any, None]]]] = []

    def alongside(self, role: Role, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``job()`` too wherever this bus runs ``role`` (once per replica group)."""
        self._alongside.append((role, job))

    def subscribers(self, roles: set[Role]) -> list[Subscriber]:
        topics = self.topics
        found: list[Subscriber] = []
        if Role.ROUTER in roles:
            found.append(
                Subscriber(
                    topics.group("router"),
                    (topics.grid_events,),
                    each(self.router.handle, span="route"),
                    types=self.router.takes,
                )
            )
        if Role.LEDGER in roles:
            found.append(
                Subscriber(
                    topics.group("ledger"),
                    (topics.grid_events,),
                    self.projection.handle,
                    retry_forever=True,  # the ledger must not skip a step
                )
            )
        if Role.DISPATCH in roles:
            found += [self._dispatch(department) for department in sorted(self.links.sinks)]
        return found

    def _dispatch(self, department: str) -> Subscriber:
        dispatcher = Dispatcher(self.links.sinks[department], self.topics)
        return Subscriber(
            self.topics.group(f"dispatch.{department}"),
            (self.topics.dispatch(department),),
            each(dispatcher.handle, concurrent_keys=True, span=f"dispatch {department}"),
            retry_forever=True,  # a department that is down holds its own queue only
            retry_cap=DISPATCH_RETRY_CAP,
        )

    async def start(self, roles: set[Role] | None = None) -> None:
        self.roles = set(self.settings.roles if roles is None else roles)
        await self.backend.start()
        self.supervisor.start("broker watch", self.broker.run)
        self.supervisor.start("held partitions watch", self.held.run)
        self._spawn(self._run())

    async def _run(self) -> None:
        await self._ensure_topics()
        jobs: list[tuple[str, Job]] = []
        if Role.RELAY in self.roles:
            jobs.append(("outbox relay", self.relay.run))
        if Role.LIVE in self.roles:
            jobs.append(("live stream", self.live.run))
        if Role.FEEDS in self.roles:
            jobs.append(("feeds", self.feeds.run))
        if Role.TIMERS in self.roles:
            jobs.append(("timers", self.timers.run))
        if Role.ROUTER in self.roles:
            jobs.append(("rules", lambda: self.rules.watch(self.settings.rules_reload_seconds)))
        jobs += [(role.value, job) for role, job in self._alongside if role in self.roles]
        for subscriber in self.subscribers(self.roles):
            worker = self._worker(subscriber)
            self._workers.append(worker)
            jobs.append((subscriber.group, worker.run))
        for name, job in jobs:
            self.supervisor.start(name, job)

    def condition(self, database_reachable: bool = True) -> str:
        """ok; retrying (a publish failed: reports wait in the outbox); or degraded,
        naming what is down: the database, the broker, and the tasks restarting."""
        down = sorted(
            {*self.supervisor.down, *(w.subscriber.group for w in self._workers if w.trouble)}
        )
        if self.held.held:
            held = ", ".join(self.held.held)
            down.insert(0, f"held by an open transaction, their readers wait: {held}")
        if not self.broker.reachable:
            down.insert(0, "broker unreachable (reports wait in the outbox)")
        if not database_reachable:  # known at once, before a bus task trips on it
            down.insert(0, "database unreachable (the outbox, offsets and ledger are in it)")
        if down:
            return f"degraded: {', '.join(down)}"
        return "retrying" if self.relay.failing else "ok"

    def _worker(self, subscriber: Subscriber) -> Worker:
        return Worker(
            self.backend,
            subscriber,
            member=self.settings.instance_id,
            dead_letters=self.topics.dead_letters,
            batch_size=self.settings.batch_size,
            max_attempts=self.settings.max_attempts,
            metrics=self.metrics,
            resumed=self.broker.back,
        )

    async def _ensure_topics(self) -> None:
        failures = 0
        while True:
            try:
                await self.backend.ensure_topics(self.topics.all(self.departments))
                return
            except BusUnavailableError as error:
                failures += 1
                log.warning("bus unavailable; retrying", extra={"error": str(error)})
                await asyncio.sleep(backoff(failures))

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        task.add_done_callback(_report_failure)
        self._tasks.append(task)

    async def stop(self) -> None:
        await cancelled(*self._tasks)
        self._tasks.clear()
        await self.supervisor.stop()
        self._workers.clear()
        await self.backend.stop()
