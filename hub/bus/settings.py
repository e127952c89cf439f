"""The bus's settings: ``[bus]`` in the TOML file, ``HUB_BUS__*`` in the environment."""

from __future__ import annotations

import socket
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field

from hub.core.paths import CALENDAR_FILE, ROUTING_RULES_FILE, SEVERITY_FILE, TAXONOMY_FILE


class BackendKind(StrEnum):
    EMBEDDED = "embedded"  # a durable log in the hub's own database: nothing else to run
    KAFKA = "kafka"


class Role(StrEnum):
    """The parts of the bus a process runs; a replica may run any subset."""

    RELAY = "relay"  # publishes the outbox
    ROUTER = "router"  # grid.events → routed + dispatch items
    DISPATCH = "dispatch"  # dept.<d>.dispatch → the department's WorkOrderSink
    LEDGER = "ledger"  # grid.events → the ledger tables
    FEEDS = "feeds"  # department ChangeFeeds → events
    LIVE = "live"  # grid.events → this replica's GraphQL subscribers
    TIMERS = "timers"  # due warnings and escalations → the outbox


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:9092"
    partitions: int = Field(default=6, ge=1, description="for topics the hub creates")
    replication_factor: int = Field(default=1, ge=1)
    linger_ms: int = Field(default=2, ge=0)
    client_id: str = "grid-hub"
    transaction_timeout_ms: int = Field(
        default=10_000,
        ge=1_000,
        description="How long the broker lets one of the hub's transactions stay open "
        "before it aborts it (as Kafka Streams does, 10 s: a batch commits in "
        "milliseconds, and one cut off by a broker outage is redone).",
    )
    transaction_retry_ms: int = Field(
        default=5,
        ge=1,
        le=100,
        description="How soon a transactional producer asks again when the broker "
        "answers that it is still closing the previous transaction (Kafka's "
        "CONCURRENT_TRANSACTIONS; on loopback it closes in 1-3 ms), and after its other "
        "retriable errors. aiokafka waits 20 ms, or 100 for a transaction that only "
        "commits offsets: back to back, each of a router's transactions waited that long.",
    )


class TimerSettings(BaseModel):
    """Time limits: the working calendar, when warnings go out and escalations follow."""

    calendar_file: Path = CALENDAR_FILE
    warning_share: float = Field(
        default=0.8, gt=0, lt=1, description="Warn when this share of the time limit has run."
    )
    escalation_share: float = Field(
        default=0.5,
        gt=0,
        description="Escalate at the deadline, then one level more each time this further "
        "share of the time limit runs out: grid → community → street → district.",
    )
    time_scale: float = Field(
        default=1.0,
        ge=1,
        description="For demos: time limits run this many times faster than the calendar.",
    )
    supervision_rounds: int = Field(
        default=6,
        ge=1,
        description="督办: how many times an overdue event at the top level is supervised, "
        "each escalation_share of the time limit after the last, before the timers stop.",
    )
    poll_seconds: float = Field(default=1.0, gt=0, description="How often due timers are sought.")
    batch_size: int = Field(default=200, ge=1, le=10_000)


class BusSettings(BaseModel):
    backend: BackendKind = BackendKind.EMBEDDED
    namespace: str = Field(
        default="",
        pattern=r"^([a-z0-9][a-z0-9-]*\.)?$",
        description="Prefix of every topic and consumer group, e.g. 'staging.'.",
    )
    instance_id: str = Field(
        default_factory=socket.gethostname,
        min_length=1,
        description="Stable across restarts: names this replica's transactional producers.",
    )
    roles: set[Role] = Field(default_factory=lambda: set(Role))
    batch_size: int = Field(default=500, ge=1, le=10_000)
    poll_interval_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How soon a write another process made to the embedded log or the "
        "outbox is noticed when no notification wakes its readers (SQLite, or PostgreSQL "
        "while the listening connection is down); writes in the same process, and on "
        "PostgreSQL in any process, wake them at once. Each idle reader queries the "
        "database this often.",
    )
    max_attempts: int = Field(default=5, ge=1, description="handler attempts before the DLQ")
    held_after_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A Kafka partition whose last stable offset stays put this long, with "
        "records behind it, is named in /readyz as held by an open transaction. Well "
        "over the transaction timeout (10 s, and the broker looks every 10 s), so a "
        "transaction the broker will end is never named.",
    )
    end_held_transactions: bool = Field(
        default=True,
        description="End the transaction that holds such a partition when it is one of "
        "the hub's that its coordinator no longer has open, by committing it, as the "
        "coordinator had decided; off: only name it.",
    )
    subscriber_queue_size: int = Field(default=1000, ge=1)
    taxonomy_file: Path = TAXONOMY_FILE
    severity_file: Path = SEVERITY_FILE
    routing_rules_file: Path = ROUTING_RULES_FILE
    rules_reload_seconds: float = Field(default=5.0, gt=0)
    feed_poll_seconds: float = Field(default=2.0, gt=0)
    kafka: KafkaSettings = KafkaSettings()
    timers: TimerSettings = TimerSettings()
