"""The small parts: breaker, cache, contract, mapping, paths, statuses, budget."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.sdk import (
    BEIJING,
    TIMESTAMP,
    BreakerState,
    CircuitBreaker,
    Contract,
    Deadline,
    Mapping,
    MappingError,
    StatusMap,
    TTLCache,
    dig,
    field,
    local_time,
    scope_of,
)
from hub.core.workorders import LifecycleStatus
from tests.connectors.sdk.fake import Item, state_of


def test_the_breaker_lets_one_probe_through_when_half_open() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=2, reset_after=5, clock=lambda: now[0])
    for _ in range(2):
        assert breaker.allow()
        breaker.failed()
    assert state_of(breaker) is BreakerState.OPEN
    assert not breaker.allow()
    now[0] = 5.0
    assert state_of(breaker) is BreakerState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()  # a second caller waits for the probe's verdict
    breaker.failed()
    assert state_of(breaker) is BreakerState.OPEN
    now[0] = 10.0
    assert breaker.allow()
    breaker.succeeded()
    assert state_of(breaker) is BreakerState.CLOSED


def test_a_success_resets_the_count_of_failures() -> None:
    breaker = CircuitBreaker(failures=2)
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    assert state_of(breaker) is BreakerState.CLOSED


def test_the_cache_expires_and_evicts_the_least_recent() -> None:
    now = [0.0]
    cache: TTLCache[str] = TTLCache(ttl=10, max_entries=2, clock=lambda: now[0])
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"
    cache.put("c", "C")  # evicts b, the least recently used
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    now[0] = 10.0
    assert cache.get("a") is None
    off: TTLCache[str] = TTLCache(ttl=0)
    off.put("a", "A")
    assert off.get("a") is None


def test_the_cache_drops_expired_answers_nobody_reads_again() -> None:
    now = [0.0]
    cache: TTLCache[str] = TTLCache(ttl=5, max_entries=1024, clock=lambda: now[0])
    for cursor in range(100):  # a change feed: every page under a new cursor, read once
        now[0] = cursor * 0.5
        cache.put(f"page {cursor}", "…")
    # Only the pages of the last TTL (and at most one more TTL) are held, not all 100.
    assert len(cache) <= 2 * 5 / 0.5
    assert cache.get("page 99") == "…"


def test_caller_scopes_differ_by_credential_and_keep_no_credential() -> None:
    alice, bob = scope_of("Bearer alice-token"), scope_of("Bearer bob-token")
    assert alice != bob
    assert "alice-token" not in alice
    assert scope_of(None) == scope_of("") == "anonymous"


def test_a_deadline_tightens_but_never_loosens() -> None:
    now = [100.0]
    deadline = Deadline.after(2.0, clock=lambda: now[0])
    assert deadline.within(5.0).at == 102.0
    assert deadline.within(1.0).at == 101.0
    now[0] = 103.0
    assert deadline.expired
    assert deadline.remaining == 0.0


def test_openapi_30_nullable_becomes_a_null_type() -> None:
    contract = Contract(
        {
            "openapi": "3.0.3",
            "paths": {},
            "components": {
                "schemas": {
                    "Thing": {
                        "type": "object",
                        "properties": {"name": {"type": "string", "nullable": True}},
                    }
                }
            },
        }
    )
    assert contract.validate("Thing", {"name": None}) is None
    violation = contract.validate("Thing", {"name": 3})
    assert violation is not None
    assert (violation.where, violation.keyword) == ("$.name", "type")


def test_a_date_time_must_be_one() -> None:
    contract = Contract.load(Path(__file__).parent / "fake.openapi.yaml")
    good = {"id": "1", "at": "2026-09-01T00:00:00Z", "area": "A"}
    assert contract.validate("Item", good) is None
    assert contract.validate("Item", {**good, "at": "yesterday"}) is not None
    assert contract.validate_response("listItems", 200, {"items": [good]}) is None


def test_an_answer_is_checked_at_a_templated_path_through_a_shared_response() -> None:
    """Pointers with braces, slashes and a shared response: each schema found and held
    to, however its path has to be written as a reference."""
    contract = Contract(
        {
            "openapi": "3.1.0",
            "paths": {
                "/things/{id}": {
                    "get": {
                        "operationId": "getThing",
                        "responses": {"200": {"$ref": "#/components/responses/One thing"}},
                    }
                }
            },
            "components": {
                "responses": {
                    "One thing": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        }
                    }
                },
                "schemas": {
                    "Thing": {
                        "type": "object",
                        "required": ["at"],
                        "properties": {"at": {"type": "string", "format": "date-time"}},
                    }
                },
            },
        }
    )
    assert contract.validate_response("getThing", 200, {"at": "2026-09-01T00:00:00Z"}) is None
    violation = contract.validate_response("getThing", 200, {"at": "soon"})
    assert violation is not None
    assert (violation.where, violation.keyword) == ("$.at", "format")


MAPPING = Mapping(
    Item,
    {
        "id": "id",
        "occurred_at": field("at", TIMESTAMP),
        "area": "where.code",
        "note": field("note", optional=True),
    },
)


def test_a_mapping_reads_a_record_and_writes_it_back() -> None:
    record = {"id": "x1", "at": "2026-09-01T08:00:00+08:00", "where": {"code": "A"}, "note": None}
    item = MAPPING.to_node(record)
    assert item == Item("x1", datetime(2026, 9, 1, 0, 0, tzinfo=UTC), "A", None)
    assert MAPPING.mismatches(record, item) == []
    assert MAPPING.mismatches(record, Item("x2", item.occurred_at, "A", None)) == ["id"]


def test_a_record_missing_a_required_field_cannot_be_mapped() -> None:
    with pytest.raises(MappingError, match=r"where\.code is missing"):
        MAPPING.read({"id": "x1", "at": "2026-09-01T08:00:00+08:00"})
    with pytest.raises(MappingError):
        MAPPING.read({"id": "x1", "at": "2026-09-01T08:00:00", "where": {"code": "A"}})


def test_local_time_is_read_in_its_zone_and_written_back_the_same() -> None:
    codec = local_time(BEIJING)
    moment = codec.read("2026-09-01 08:30:00")
    assert moment == datetime(2026, 9, 1, 0, 30, tzinfo=UTC)
    assert codec.write(moment) == "2026-09-01 08:30:00"


@pytest.mark.parametrize(
    "text",
    [
        "2026-09-01 08:30:00",
        "2026-12-31 23:59:59",
        "2028-02-29 00:00:00",
        "2026-9-1 8:30:0",  # one-digit fields: strptime takes them
        "2026-02-30 08:00:00",
        "2026-13-01 08:00:00",
        "2026-09-01 24:00:00",
        "2026-09-01T08:30:00",
        "2026-09-01 08:30:00+08:00",
        "2026-09-01 08:30",
        "２０２６-09-01 08:30:00",  # full-width digits
        "",
    ],
)
def test_local_time_reads_what_strptime_reads_and_refuses_what_it_refuses(text: str) -> None:
    try:
        expected = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        with pytest.raises(ValueError):  # noqa: PT011 - what MappingError is made from
            local_time(BEIJING).read(text)
    else:
        assert local_time(BEIJING).read(text) == expected


def test_paths_follow_keys_indexes_and_selectors() -> None:
    record = {
        "code": {"coding": [{"code": "a"}]},
        "extension": [
            {"url": "urn:x:area", "valueString": "YXWS-01"},
            {"url": "http://hl7.org/geo", "extension": [{"url": "latitude", "valueDecimal": 1.5}]},
        ],
    }
    assert dig(record, "code.coding.0.code") == "a"
    assert dig(record, "extension.*.url") == ["urn:x:area", "http://hl7.org/geo"]
    assert dig(record, "extension[url=urn:x:area].valueString") == "YXWS-01"
    assert (
        dig(record, "extension[url=http://hl7.org/geo].extension[url=latitude].valueDecimal") == 1.5
    )
    assert dig(record, "code.coding.3.code") is None
    assert dig(record, "extension[url=nope].valueString", "default") == "default"


def test_paths_of_plain_keys_stop_where_a_key_or_an_object_is_missing() -> None:
    record = {"location": {"address": "枫桥路 1 号", "none": None}, "list": [1], "text": "x"}
    assert dig(record, "location.address") == "枫桥路 1 号"
    assert dig(record, "location.none", "default") is None  # there, and null
    assert dig(record, "location.street", "default") == "default"
    assert dig(record, "list.first", "default") == "default"  # not an object
    assert dig(record, "text.length", "default") == "default"
    assert dig(None, "location", "default") == "default"


def test_a_status_map_reads_both_ways() -> None:
    statuses = StatusMap(
        {
            "受理": LifecycleStatus.ACCEPTED,
            "立案": LifecycleStatus.ACCEPTED,
            "结案": LifecycleStatus.CLOSED,
        }
    )
    assert statuses.lifecycle("结案") is LifecycleStatus.CLOSED
    assert statuses.lifecycle("unknown") is None
    assert statuses.upstream([LifecycleStatus.ACCEPTED]) == {"受理", "立案"}
