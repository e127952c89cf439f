"""CloudEvents in Kafka binary mode, and ids fixed by what caused them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ulid import ULID

from hub.bus import CloudEvent, MalformedEventError, Record, derived_id, new_id, stable_id
from hub.core.workorders import LifecycleStatus
from hub.events import Severity
from hub.events.payloads import Escalated

GRID = "330199001006005"


def record(event: CloudEvent) -> Record:
    message = event.message("grid.events")
    return Record("grid.events", 0, 7, message.key, message.value, message.headers, 0)


def escalated() -> CloudEvent:
    data = Escalated(
        event_id=new_id(),
        status=LifecycleStatus.ACCEPTED,
        category="city.litter",
        severity=Severity.LOW,
        level=2,
    )
    return CloudEvent.of(
        "gov.grid.event.escalated", "/hub/timers", GRID, data, subject=data.event_id
    )


def test_attributes_travel_in_ce_headers_and_the_key_is_the_grid() -> None:
    event = escalated()
    message = event.message("grid.events")
    headers = dict(message.headers)
    assert message.key == GRID
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_gridid"] == GRID.encode()
    assert headers["content-type"] == b"application/json"
    assert headers["ce_time"].endswith(b"Z")
    assert all(name == name.lower() for name in headers)
    assert message.value.startswith(b'{"eventId":')  # camelCase data


def test_a_message_decodes_to_the_same_event() -> None:
    event = escalated()
    again = CloudEvent.from_record(record(event))
    assert again == event
    assert again.payload(Escalated).level == 2


def test_when_it_was_recorded_travels_where_it_is_later_than_it_happened() -> None:
    happened, read = datetime(2026, 11, 23, 8, 30, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    event = CloudEvent.of(
        "gov.grid.event.escalated", "/hub/x", GRID, escalated().payload(Escalated), time=happened
    )
    assert "ce_recordedtime" not in dict(event.message("t").headers)  # most events: no header
    late = CloudEvent.of(
        "gov.grid.event.escalated",
        "/hub/x",
        GRID,
        escalated().payload(Escalated),
        time=happened,
        recordedtime=read,
    )
    assert dict(late.message("t").headers)["ce_recordedtime"] == b"2026-12-01T00:00:00.000000Z"
    again = CloudEvent.from_record(record(late))
    assert (again.time, again.recordedtime) == (happened, read)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ((("ce_type", b"x"),), "not a CloudEvents 1.0 message"),
        ((("ce_specversion", b"1.0"), ("ce_type", b"x")), "header ce_id is missing"),
        (
            (
                ("ce_specversion", b"1.0"),
                ("ce_id", b"a"),
                ("ce_type", b"x"),
                ("ce_source", b"/"),
                ("ce_time", b"2026-01-01T00:00:00"),
                ("ce_gridid", b"1"),
            ),
            "time without a time zone",
        ),
        (
            (
                ("ce_specversion", b"1.0"),
                ("ce_id", b"a"),
                ("ce_type", b"x"),
                ("ce_source", b"/"),
                ("ce_time", b"2026-01-01T00:00:00Z"),
                ("ce_gridid", b"1"),
                ("ce_recordedtime", b"yesterday"),
            ),
            "yesterday",
        ),
    ],
)
def test_malformed_messages_are_refused_with_the_reason(
    headers: tuple[tuple[str, bytes], ...], reason: str
) -> None:
    with pytest.raises(MalformedEventError, match=reason):
        CloudEvent.from_record(Record("t", 0, 0, "k", b"{}", headers, 0))


def test_data_that_breaks_the_contract_is_refused() -> None:
    event = escalated()
    broken = CloudEvent(
        event.id,
        event.type,
        event.source,
        event.time,
        event.gridid,
        event.subject,
        event.data.replace(b'"level":2', b'"level":9'),
    )
    with pytest.raises(MalformedEventError, match="level"):
        broken.payload(Escalated)


def test_derived_ids_are_ulids_fixed_by_parent_and_salt() -> None:
    parent = new_id()
    child = derived_id(parent, "routed")
    assert child == derived_id(parent, "routed") != derived_id(parent, "order:police")
    assert ULID.from_str(child).milliseconds == ULID.from_str(parent).milliseconds
    at = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert ULID.from_str(stable_id(at, "feed/1")).datetime == at
    assert stable_id(at, "feed/1") != stable_id(at, "feed/2")


def test_derived_ids_stay_what_earlier_releases_made() -> None:
    """A redelivered input after an upgrade must get the ids it got before, or
    consumers idempotent on the id would take its outputs twice."""
    parent = "01KBRG5YJ0000000000000000Z"
    assert derived_id(parent, "routed") == "01KBRG5YJ0QSF0P5F51SNKK9AB"
    assert derived_id(parent, "order:police") == "01KBRG5YJ0XMQ6FADGBDJTA3EZ"
    at = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert stable_id(at, "feed/1") == "01M83RDET0XJX6SCB4M0SXHDZW"
