"""Which department systems the bus can reach: a work-order sink and change feeds each.

The connectors fill this at start (``Services.bus.links``). A department without a
sink keeps its dispatch items on ``dept.<department>.dispatch`` for whoever consumes
that topic directly; nothing pretends to have handled them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.core.feeds import FeedType, type_values
from hub.core.workorders import ChangeFeed, LifecycleStatus, WorkOrderSink
from hub.events import Channel


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A department change feed and how to read it.

    ``statuses`` maps the department's own statuses (e.g. 已结案) onto the lifecycle;
    the mapping is data kept beside each connector. A change to a record that began
    as a hub work order becomes a lifecycle step of that grid event; a change to any
    other record becomes a department feed event, ``gov.<department>.<entity>.<verb>``
    (``created_verb`` for new records, else the lower-cased lifecycle status).

    ``UpstreamChange.record`` of such records is read for these keys, all optional:
    ``category`` (a taxonomy code; any other class is dropped), ``title``,
    ``description``, ``lat``, ``lon``, ``address``, ``grids`` (unified grid codes it
    affects), ``url``, and for a system whose records are reports (``reports``)
    ``reporter_name``, ``reporter_phone``, ``reported_at`` (ISO 8601 with its offset)
    and ``rating`` (1 to 5, the caller's, once the system has asked). ``keys`` names
    them in the department's own record where they are called otherwise, as dotted
    paths: ``{"lat": "location.latitude"}``.

    ``categories`` translates the department's categories into taxonomy codes; when it
    is given, a record in a category it lacks is the department's own business and
    raises no event.

    ``reports`` makes the system a way in for reports (12345 is one: citizens call it
    directly). A record created there, not by the hub, in a category the taxonomy
    knows, becomes a grid event in that channel, routed like any report; its event is
    fixed by the record's id, and the system's later steps on the record go on the
    event's timeline, where the caller's rating closes a verified event.
    """

    feed: ChangeFeed
    department: str
    entity: str
    statuses: Mapping[str, LifecycleStatus] = field(default_factory=dict)
    created_verb: str = "created"
    keys: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] | None = None
    reports: Channel | None = None

    def read(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record under the hub's names, its category as a taxonomy code."""
        renamed = {ours: _dig(record, theirs) for ours, theirs in self.keys.items()}
        read = {**record, **{k: v for k, v in renamed.items() if v is not None}}
        if self.categories is not None:
            read["category"] = self.categories.get(str(read.get("category")))
        return read

    def concerns_hub(self, record: Mapping[str, Any]) -> bool:
        """Whether a department record (read) is in a category the hub knows."""
        return self.categories is None or record.get("category") is not None


def _dig(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


class LinkError(ValueError):
    """A sink or feed that the bus cannot use as registered."""


class DepartmentLinks:
    """The sinks and feeds, and the feed types the installed connectors publish: a feed
    emits only those (``gov.<department>.<entity>.<verb>``)."""

    def __init__(
        self, departments: Collection[str], feed_types: Collection[FeedType] = frozenset()
    ) -> None:
        self.departments = set(departments)
        self.feed_types = type_values(feed_types)
        self.sinks: dict[str, WorkOrderSink] = {}
        self.feeds: list[FeedSpec] = []

    def add_sink(self, sink: WorkOrderSink) -> None:
        if sink.department not in self.departments:
            raise LinkError(f"sink for unknown department {sink.department!r}")
        if sink.department in self.sinks:
            raise LinkError(f"department {sink.department!r} has a sink already")
        self.sinks[sink.department] = sink

    def add_feed(self, spec: FeedSpec) -> None:
        if spec.department not in self.departments:
            raise LinkError(f"feed {spec.feed.name!r} for unknown department {spec.department!r}")
        if any(f.feed.name == spec.feed.name for f in self.feeds):
            raise LinkError(f"a feed named {spec.feed.name!r} is registered already")
        created = FeedType(spec.department, spec.entity, spec.created_verb)
        if created.value not in self.feed_types:
            raise LinkError(
                f"feed {spec.feed.name!r}: {created.value} is not a published event type "
                "(no installed connector declares it)"
            )
        self.feeds.append(spec)
