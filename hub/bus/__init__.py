"""The event bus: backends, the worker runtime, the outbox relay, and the wire format.

``KafkaBackend`` is loaded when first asked for: a hub on the embedded log never needs
aiokafka, and not importing it saves memory and start time.
"""

from typing import TYPE_CHECKING

from hub.bus.backend import (
    Backend,
    BusUnavailableError,
    CommitConflictError,
    GroupConsumer,
    Tail,
)
from hub.bus.broker import BrokerWatch
from hub.bus.cloudevent import CloudEvent, MalformedEventError, derived_id, new_id, stable_id
from hub.bus.dead_letters import DeadLetter
from hub.bus.embedded import EmbeddedBackend
from hub.bus.held import HeldWatch
from hub.bus.message import Message, Record
from hub.bus.outbox import OutboxRelay, enqueue
from hub.bus.runtime import PoisonMessageError, Subscriber, Worker, each
from hub.bus.settings import BackendKind, BusSettings, KafkaSettings, Role
from hub.bus.supervisor import Job, Supervisor
from hub.bus.topics import Topics

if TYPE_CHECKING:
    from hub.bus.kafka import KafkaBackend


def __getattr__(name: str) -> object:
    if name == "KafkaBackend":
        from hub.bus.kafka import KafkaBackend  # noqa: PLC0415 - loaded on demand, see above

        return KafkaBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Backend",
    "BackendKind",
    "BrokerWatch",
    "BusSettings",
    "BusUnavailableError",
    "CloudEvent",
    "CommitConflictError",
    "DeadLetter",
    "EmbeddedBackend",
    "GroupConsumer",
    "HeldWatch",
    "Job",
    "KafkaBackend",
    "KafkaSettings",
    "MalformedEventError",
    "Message",
    "OutboxRelay",
    "PoisonMessageError",
    "Record",
    "Role",
    "Subscriber",
    "Supervisor",
    "Tail",
    "Topics",
    "Worker",
    "derived_id",
    "each",
    "enqueue",
    "new_id",
    "stable_id",
]
