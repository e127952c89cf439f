"""A grid's records are filtered on the few fields the filter reads before they are
placed and mapped: the same records come out as mapping every record and filtering the
graph objects, and a record the filter drops is never mapped whole."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import strawberry

from connectors import police
from connectors.police import Incidents, PoliceConnector
from connectors.sdk import MappingError, Placed
from connectors.sdk.graph import LifecycleStatus, RecordFilter
from schema.connectors.resolvers import _filtered, to_node
from schema.inputs import plan_inputs
from tests.connectors.sdk.fake import settings

EXAMPLES_DIR = Path(police.__file__).parent / "examples"
EXAMPLES = ("incidents-list.json", "incidents-page-1.json", "incidents-page-2.json")


def records() -> list[dict[str, Any]]:
    """The contract's example incidents, and copies of them at other times, statuses
    and categories."""
    found = []
    for name in EXAMPLES:
        document = json.loads((EXAMPLES_DIR / name).read_text(encoding="utf-8"))
        found += document["response"]["body"]["data"]["records"]
    variants = []
    statuses = ("RECEIVED", "DISPATCHED", "HANDLED", "CLOSED", "UNKNOWN")
    for n, (record, status, category) in enumerate(
        itertools.product(found, statuses, ("FIGHT", "THEFT"))
    ):
        variant = copy.deepcopy(record) | {"status": status, "category": category}
        variant["id"] = f"JQ2026112300{n:04d}"
        variant["reportedAt"] = f"2026-11-{20 + n % 4:02d}T0{n % 10}:00:00+08:00"
        variants.append(variant)
    return found + variants


MOMENTS = (None, datetime(2026, 11, 21, tzinfo=UTC), datetime(2026, 11, 22, 12, tzinfo=UTC))
FILTERS = [
    RecordFilter(since=since, until=until, status=status, category=category, lifecycle=life)
    for since, until, status, category, life in itertools.product(
        MOMENTS,
        MOMENTS,
        (None, ["CLOSED"], ["RECEIVED", "HANDLED"]),
        (None, ["THEFT"]),
        (None, [LifecycleStatus.CLOSED], [LifecycleStatus.ACCEPTED, LifecycleStatus.IN_PROGRESS]),
    )
]


def placed(record: dict[str, Any]) -> Placed:
    return Placed(record, "330199001001001", approximate=False)


@pytest.mark.parametrize("where", FILTERS, ids=str)
def test_filtering_first_keeps_what_filtering_the_graph_objects_kept(where: RecordFilter) -> None:
    connector = PoliceConnector(settings())
    given = records()
    expected = [
        node
        for node in (to_node(connector, Incidents, placed(record)) for record in given)
        if where.admits(node)
    ]
    found = [
        to_node(connector, Incidents, placed(record), fields)
        for record, fields in _filtered(connector, Incidents, where, given)
    ]
    assert found == expected
    assert len(expected) < len(given) or where.reads() == frozenset()


def test_the_filter_reads_only_the_fields_it_needs() -> None:
    assert RecordFilter().reads() == frozenset()
    assert RecordFilter(until=MOMENTS[1]).reads() == {"occurred_at"}
    assert RecordFilter(lifecycle=[LifecycleStatus.CLOSED]).reads() == {"status"}
    assert RecordFilter(category=["THEFT"], status=["CLOSED"]).reads() == {"category", "status"}


def test_a_record_the_filter_cannot_read_is_kept_for_mapping_to_refuse() -> None:
    connector = PoliceConnector(settings())
    broken = records()[0] | {"reportedAt": "yesterday"}
    kept = _filtered(connector, Incidents, RecordFilter(since=MOMENTS[1]), [broken])
    assert kept == [(broken, {})]
    with pytest.raises(MappingError):
        Incidents.mapping.read(broken, {})


def test_fields_read_before_are_not_read_again() -> None:
    record = records()[0]
    known = {"occurred_at": datetime(2000, 1, 1, tzinfo=UTC)}
    assert Incidents.mapping.read(record, known)["occurred_at"] == known["occurred_at"]
    assert Incidents.mapping.read(record, known) == Incidents.mapping.read(record) | known


def test_the_filters_above_keep_some_records_and_drop_others() -> None:
    connector = PoliceConnector(settings())
    kept = [len(_filtered(connector, Incidents, where, records())) for where in FILTERS]
    assert sum(0 < n < len(records()) for n in kept) > len(FILTERS) // 4


@strawberry.type
class EchoQuery:
    @strawberry.field
    def narrowed(self, where: RecordFilter) -> bool:
        ARGUMENTS.append(where)
        return True


ARGUMENTS: list[RecordFilter] = []
ECHO = strawberry.Schema(query=EchoQuery)
plan_inputs(ECHO)  # as the hub's schema is built


def test_the_graph_builds_the_filter_from_every_field_it_is_given() -> None:
    ARGUMENTS.clear()
    document = """{ narrowed(where: {since: "2026-11-21T00:00:00+08:00",
      until: "2026-11-22T00:00:00Z", status: ["CLOSED"], category: ["THEFT", "FIGHT"],
      lifecycle: [RESOLVED, CLOSED]}) narrowedNone: narrowed(where: {}) }"""

    assert ECHO.execute_sync(document).errors is None
    given, empty = ARGUMENTS
    assert given == RecordFilter(
        since=datetime(2026, 11, 20, 16, tzinfo=UTC),
        until=datetime(2026, 11, 22, tzinfo=UTC),
        status=["CLOSED"],
        category=["THEFT", "FIGHT"],
        lifecycle=[LifecycleStatus.RESOLVED, LifecycleStatus.CLOSED],
    )
    assert all(isinstance(s, LifecycleStatus) for s in given.lifecycle or ())
    assert empty == RecordFilter()
