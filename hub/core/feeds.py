"""The event types a department's change feed publishes: ``gov.<department>.<entity>.<verb>``.

A connector declares them (``Connector.feed_types``, from its ``feed_entity``); the hub
gathers every installed connector's at start and passes the set to the rules, the feed
poller and the contracts. Nothing below the connectors names one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CLOSED_VERB = "closed"  # every department record ends the same way, whatever its system says


@dataclass(frozen=True, slots=True, order=True)
class FeedType:
    """A department's own record, seen through its change feed."""

    department: str
    entity: str
    verb: str

    @property
    def value(self) -> str:
        return f"gov.{self.department}.{self.entity}.{self.verb}"


def feed_types_of(department: str, entity: str | None, created_verb: str) -> tuple[FeedType, ...]:
    """The two types a feed of ``entity`` records publishes: new, and closed; none without one."""
    if entity is None:
        return ()
    return FeedType(department, entity, created_verb), FeedType(department, entity, CLOSED_VERB)


def type_values(types: Iterable[FeedType]) -> frozenset[str]:
    return frozenset(t.value for t in types)
