"""What a bus backend offers: publish, consume in a group, and tail.

Two backends implement it: Kafka (``kafka.py``) for production, and a durable log in
the hub's database (``embedded.py``) so the demo needs nothing but Python. The
contract test suite in ``tests/hub/bus/`` holds both to the same behaviour.

Only ``hub.bus.runtime`` and the outbox relay drive these objects; handlers never do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from hub.bus.message import Message, Record

Partition = tuple[str, int]  # (topic, partition index)


class CommitConflictError(Exception):
    """The consumed records belong to someone else now (a rebalance, or a second
    consumer in the group committed first): nothing was written; fetch again."""


class BusUnavailableError(Exception):
    """The backend cannot be reached; the caller keeps its data and retries later."""


class GroupConsumer(Protocol):
    """One member of a consumer group, with exactly-once consume-transform-produce."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def fetch(self, max_records: int, max_wait: float) -> list[Record]:
        """The next records after the last fetch; [] when none came within ``max_wait`` seconds."""
        ...

    async def commit(self, consumed: Sequence[Record], outputs: Sequence[Message]) -> None:
        """Publish ``outputs`` and commit past ``consumed``, both or neither.

        Raises CommitConflictError when the group moved on without us, and
        BusUnavailableError when the commit failed: the member starts again (on Kafka a
        new producer with the same transactional id, which makes the broker abort
        whatever the failed one left open).
        """
        ...

    async def rewind(self) -> None:
        """Fetch again from the group's committed position."""
        ...


class Tail(Protocol):
    """A reader outside any group: it sees everything from where it started."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def fetch(self, max_records: int, max_wait: float) -> list[Record]: ...


class Backend(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ping(self) -> None:
        """Raises BusUnavailableError when the backend cannot answer."""
        ...

    async def ensure_topics(self, topics: Sequence[str]) -> None: ...

    async def unsettled(self, topics: Sequence[str]) -> dict[Partition, tuple[int, int]]:
        """Partitions a ``read_committed`` reader cannot read to the end, an open
        transaction in the way: (its stable offset, the partition's end). Raises
        BusUnavailableError when the backend cannot answer."""
        ...

    async def complete(self, partition: Partition, stable: int, owned_by: str) -> str | None:
        """Commit the transaction that holds ``partition`` at ``stable`` if it is one of
        ours (its transactional id starts with ``owned_by``) and its coordinator no
        longer has it open, so nothing else ever will: whose it was, or None when it
        was left alone. Raises BusUnavailableError when it could not ask or write."""
        ...

    async def publish(self, messages: Sequence[Message]) -> None:
        """Durably append ``messages``, in order per key; raises BusUnavailableError."""
        ...

    def group_consumer(self, group: str, topics: Sequence[str], member: str) -> GroupConsumer:
        """A member of ``group``; ``member`` is stable across restarts of the same replica."""
        ...

    def tail(self, topics: Sequence[str], since: datetime | None = None) -> Tail:
        """Read from ``since`` (None: only what arrives from now on)."""
        ...
