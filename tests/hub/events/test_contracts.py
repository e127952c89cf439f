"""The files in contracts/ and the code hold each other: schemas, AsyncAPI, produced events.

The checkout holds the hub's own types; the whole contract, with the built-in
connectors' feed types, is what ``hub events contracts --out`` writes for them. Only
the built-in connectors are named, so a third-party one installed beside them changes
nothing here.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from hub.bus import CloudEvent, Record, Topics
from hub.bus.dead_letters import dead_letter
from hub.bus.topics import DEAD_LETTERS, DISPATCH, GRID_EVENTS
from hub.core.departments import load_departments
from hub.core.paths import ASYNCAPI_FILE, EVENT_SCHEMAS_DIR
from hub.dispatch import FeedSpec
from hub.events import DispatchType, GridEventType
from hub.events.contracts import render, schemas, write_contracts
from hub.events.payloads import PAYLOADS, payloads
from tests.conftest import TownBus
from tests.support.built_in import built_in_contributions
from tests.support.events import FakeFeed, FakeSink, change, collect, report, running

DEPARTMENTS = [d.code for d in load_departments()]
BUILT_IN = built_in_contributions()
PUBLISHED = payloads(BUILT_IN.feed_types)  # every type the hub and its own connectors publish
SCHEMAS = schemas(BUILT_IN.feed_types)


def test_the_schema_files_are_what_the_models_generate() -> None:
    generated = schemas()
    on_disk = {p.name for p in EVENT_SCHEMAS_DIR.glob("*.json")}
    assert on_disk == set(generated), "run `hub events contracts --publish`"
    for name, schema in generated.items():
        assert (EVENT_SCHEMAS_DIR / name).read_text(encoding="utf-8") == render(schema), (
            f"contracts/events/{name} is stale: run `hub events contracts --publish`"
        )


def test_every_schema_is_a_valid_json_schema() -> None:
    for schema in SCHEMAS.values():
        Draft202012Validator.check_schema(schema)


def test_a_feed_types_schema_fixes_its_department_and_entity() -> None:
    assert {"gov.police.incident.created.json", "gov.health.alert.raised.json"} <= set(SCHEMAS)
    validator = Draft202012Validator(SCHEMAS["gov.police.incident.created.json"])
    record = {
        "department": "police",
        "entity": "incident",
        "upstream": {"system": "pd", "id": "JQ1"},
        "status": "新警情",
        "occurredAt": "2026-11-23T08:30:00Z",
        "place": {"lat": 30.3, "lon": 120.05},
    }
    assert not list(validator.iter_errors(record))
    assert list(validator.iter_errors({**record, "department": "health"}))
    assert list(validator.iter_errors({**record, "entity": "case"}))


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `hub events contracts --out` writes where only the built-in connectors are."""
    directory = tmp_path_factory.mktemp("contracts")
    write_contracts(directory, BUILT_IN.feed_types, BUILT_IN.department_codes)
    return directory


@pytest.fixture(scope="module")
def asyncapi(written: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((written / "asyncapi.yaml").read_text("utf-8"))
    return loaded


def test_the_written_contract_is_the_committed_one_with_the_connectors_feeds(
    committed: dict[str, Any], asyncapi: dict[str, Any], written: Path
) -> None:
    events = written / "events"
    assert {p.name for p in events.glob("*.json")} == set(SCHEMAS)
    for name in schemas():  # the hub's own, byte for byte
        assert (events / name).read_text("utf-8") == (EVENT_SCHEMAS_DIR / name).read_text("utf-8")
    feeds = {t.value for t in BUILT_IN.feed_types}
    added = set(asyncapi["components"]["messages"]) - set(committed["components"]["messages"])
    assert {asyncapi["components"]["messages"][m]["name"] for m in added} == feeds
    for key, message in committed["components"]["messages"].items():
        assert asyncapi["components"]["messages"][key] == message
    assert asyncapi["operations"] == committed["operations"]


def test_the_committed_asyncapi_lists_the_hubs_own_types(committed: dict[str, Any]) -> None:
    named = {m["name"] for m in committed["components"]["messages"].values()}
    assert named == {*PAYLOADS, "dead-letter"}


def test_the_headers_a_cloud_event_writes_are_the_asyncapi_ones(committed: dict[str, Any]) -> None:
    header_schema = committed["components"]["schemas"]["CloudEventHeaders"]
    every = CloudEvent(
        "01KBZ0000000000000000000AB",
        "gov.police.incident.created",
        "/connectors/pd",
        datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
        "330199001006005",
        "01KBZ0000000000000000000AA",
        b"{}",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        recordedtime=datetime(2026, 12, 1, tzinfo=UTC),
    )
    headers = {k: v.decode() for k, v in every.message(GRID_EVENTS).headers}
    assert set(headers) == set(header_schema["properties"])
    schema = {**header_schema, "$defs": committed["components"]["schemas"]}
    schema = json.loads(json.dumps(schema).replace("#/components/schemas/", "#/$defs/"))
    assert not list(Draft202012Validator(schema).iter_errors(headers))


def test_the_asyncapi_topics_are_the_code_topics(asyncapi: dict[str, Any]) -> None:
    addresses = {c["address"] for c in asyncapi["channels"].values()}
    assert addresses == {GRID_EVENTS, DEAD_LETTERS, DISPATCH.format(department="{department}")}
    parameter = asyncapi["channels"]["departmentDispatch"]["parameters"]["department"]
    assert parameter["enum"] == DEPARTMENTS


def test_every_published_type_is_an_asyncapi_message_with_its_schema(
    asyncapi: dict[str, Any], written: Path
) -> None:
    messages = asyncapi["components"]["messages"]
    named = {m["name"]: m for m in messages.values()}
    assert set(named) == {*PUBLISHED, "dead-letter"}
    for name, message in named.items():
        target = written / message["payload"]["$ref"]
        assert target.is_file(), f"{name}: {target} is missing"
    grid_channel = {
        ref["$ref"].rsplit("/", 1)[1]
        for ref in asyncapi["channels"]["gridEvents"]["messages"].values()
    }
    on_grid = {messages[m]["name"] for m in grid_channel}
    assert on_grid == {*PUBLISHED} - {t.value for t in DispatchType}


def test_the_asyncapi_names_the_consumer_groups_the_code_runs(asyncapi: dict[str, Any]) -> None:
    topics = Topics()
    operations = asyncapi["operations"]
    groups = {
        g
        for op in operations.values()
        for g in op.get("bindings", {}).get("kafka", {}).get("groupId", {}).get("enum", [])
    }
    assert groups == {topics.group("router"), topics.group("ledger")}
    pattern = operations["createWorkOrders"]["bindings"]["kafka"]["groupId"]["pattern"]
    assert re.match(pattern, topics.group("dispatch.citymgmt"))


def count(records: list[Record], kind: str) -> int:
    return sum(r.header("ce_type") == kind for r in records)


def validate(record: Record) -> None:
    event = CloudEvent.from_record(record)
    schema = SCHEMAS[f"{event.type}.json"]
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(event.data)))
    assert not errors, f"{event.type}: {errors[0].message}"


async def test_what_the_bus_produces_fits_the_published_schemas(embedded_town_bus: TownBus) -> None:
    bus, topics = embedded_town_bus.bus, embedded_town_bus.env.topics
    bus.links.add_sink(FakeSink("citymgmt"))
    bus.links.add_sink(FakeSink("environment", refuse=True))
    incident = change(
        "JQ1",
        "新警情",
        kind="created",
        record={
            "category": "dispute.neighbour",
            "title": "邻里纠纷",
            "lat": 30.312,
            "lon": 120.053,
        },
    )
    bus.links.add_feed(FeedSpec(FakeFeed("pd", [incident]), "police", "incident"))
    async with running(bus):
        await bus.intake.report(
            report("municipal.waterlogging", channel="HOTLINE", severity="HIGH")
        )
        await bus.intake.report(report("environment.noise", severity="HIGH"))
        records = await collect(
            bus.backend,
            topics.grid_events,
            lambda found: (
                count(found, GridEventType.ROUTED) >= 4
                and count(found, GridEventType.ACCEPTED) >= 1
                and count(found, "gov.police.incident.created") >= 1
            ),
        )
        dispatched = await collect(bus.backend, topics.dispatch("petition"), lambda f: len(f) >= 1)
    kinds = {r.header("ce_type") for r in records}
    assert {
        GridEventType.REPORTED,
        GridEventType.ROUTED,
        GridEventType.ACCEPTED,
        GridEventType.RETURNED,
        "gov.police.incident.created",
    } <= kinds
    for record in [*records, *dispatched]:
        validate(record)


def test_dead_letters_fit_their_schema() -> None:
    record = Record("grid.events", 2, 41, "330199001006005", b"\xff\xfe", (("ce_type", b"x"),), 0)
    letter = dead_letter(record, "malformed", "hub.router", "grid.events.dlq")
    schema = SCHEMAS["dead-letter.json"]
    assert not list(Draft202012Validator(schema).iter_errors(json.loads(letter.value)))
    assert json.loads(letter.value)["valueEncoding"] == "base64"


def test_the_asyncapi_file_is_plain_yaml_without_machine_paths() -> None:
    text = Path(ASYNCAPI_FILE).read_text(encoding="utf-8")
    assert not re.search(r"/(work|tmp|home)/", text)
