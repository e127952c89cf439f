"""The event bus: backends, the worker runtime, the outbox relay, and the wire format."""

from hub.bus.backend import (
    Backend,
    BusUnavailableError,
    CommitConflictError,
    GroupConsumer,
    Tail,
)
from hub.bus.cloudevent import CloudEvent, MalformedEventError, derived_id, new_id
from hub.bus.dead_letters import DeadLetter
from hub.bus.embedded import EmbeddedBackend
from hub.bus.kafka import KafkaBackend
from hub.bus.message import Message, Record
from hub.bus.outbox import OutboxRelay, enqueue
from hub.bus.runtime import PoisonMessageError, Subscriber, Worker, each
from hub.bus.settings import BackendKind, BusSettings, KafkaSettings, Role
from hub.bus.topics import Topics

__all__ = [
    "Backend",
    "BackendKind",
    "BusSettings",
    "BusUnavailableError",
    "CloudEvent",
    "CommitConflictError",
    "DeadLetter",
    "EmbeddedBackend",
    "GroupConsumer",
    "KafkaBackend",
    "KafkaSettings",
    "MalformedEventError",
    "Message",
    "OutboxRelay",
    "PoisonMessageError",
    "Record",
    "Role",
    "Subscriber",
    "Tail",
    "Topics",
    "Worker",
    "derived_id",
    "each",
    "enqueue",
    "new_id",
]
