"""The files in contracts/ and the code hold each other: schemas, AsyncAPI, produced events."""

from __future__ import annotations

import json
import re
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
from hub.events import DispatchType, GridEventType
from hub.events.contracts import render, schemas
from hub.events.payloads import PAYLOADS
from tests.conftest import TownBus
from tests.support.events import FakeSink, collect, report, running

DEPARTMENTS = [d.code for d in load_departments()]


def schema_file(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (EVENT_SCHEMAS_DIR / f"{name}.json").read_text(encoding="utf-8")
    )
    return loaded


def test_the_schema_files_are_what_the_models_generate() -> None:
    generated = schemas()
    on_disk = {p.name for p in EVENT_SCHEMAS_DIR.glob("*.json")}
    assert on_disk == set(generated), "run `hub events contracts --publish`"
    for name, schema in generated.items():
        assert (EVENT_SCHEMAS_DIR / name).read_text(encoding="utf-8") == render(schema), (
            f"contracts/events/{name} is stale: run `hub events contracts --publish`"
        )


def test_every_schema_is_a_valid_json_schema() -> None:
    for path in EVENT_SCHEMAS_DIR.glob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    return loaded


def test_the_asyncapi_topics_are_the_code_topics(asyncapi: dict[str, Any]) -> None:
    addresses = {c["address"] for c in asyncapi["channels"].values()}
    assert addresses == {GRID_EVENTS, DEAD_LETTERS, DISPATCH.format(department="{department}")}
    parameter = asyncapi["channels"]["departmentDispatch"]["parameters"]["department"]
    assert parameter["enum"] == DEPARTMENTS


def test_every_published_type_is_an_asyncapi_message_with_its_schema(
    asyncapi: dict[str, Any],
) -> None:
    messages = asyncapi["components"]["messages"]
    named = {m["name"]: m for m in messages.values()}
    assert set(named) == {*PAYLOADS, "dead-letter"}
    for name, message in named.items():
        target = ASYNCAPI_FILE.parent / message["payload"]["$ref"]
        assert target.is_file(), f"{name}: {target} is missing"
    grid_channel = {
        ref["$ref"].rsplit("/", 1)[1]
        for ref in asyncapi["channels"]["gridEvents"]["messages"].values()
    }
    on_grid = {messages[m]["name"] for m in grid_channel}
    assert on_grid == {*PAYLOADS} - {t.value for t in DispatchType}


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
    schema = schema_file(event.type)
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(event.data)))
    assert not errors, f"{event.type}: {errors[0].message}"


async def test_what_the_bus_produces_fits_the_published_schemas(embedded_town_bus: TownBus) -> None:
    bus, topics = embedded_town_bus.bus, embedded_town_bus.env.topics
    bus.links.add_sink(FakeSink("citymgmt"))
    bus.links.add_sink(FakeSink("environment", refuse=True))
    async with running(bus):
        await bus.intake.report(
            report("municipal.waterlogging", channel="HOTLINE", severity="HIGH")
        )
        await bus.intake.report(report("environment.noise", severity="HIGH"))
        records = await collect(
            bus.backend,
            topics.grid_events,
            lambda found: (
                count(found, GridEventType.ROUTED) >= 3
                and count(found, GridEventType.ACCEPTED) >= 1
            ),
        )
        dispatched = await collect(bus.backend, topics.dispatch("petition"), lambda f: len(f) >= 1)
    kinds = {r.header("ce_type") for r in records}
    assert {
        GridEventType.REPORTED,
        GridEventType.ROUTED,
        GridEventType.ACCEPTED,
        GridEventType.RETURNED,
    } <= kinds
    for record in [*records, *dispatched]:
        validate(record)


def test_dead_letters_fit_their_schema() -> None:
    record = Record("grid.events", 2, 41, "330199001006005", b"\xff\xfe", (("ce_type", b"x"),), 0)
    letter = dead_letter(record, "malformed", "hub.router", "grid.events.dlq")
    schema = schema_file("dead-letter")
    assert not list(Draft202012Validator(schema).iter_errors(json.loads(letter.value)))
    assert json.loads(letter.value)["valueEncoding"] == "base64"


def test_the_asyncapi_file_is_plain_yaml_without_machine_paths() -> None:
    text = Path(ASYNCAPI_FILE).read_text(encoding="utf-8")
    assert not re.search(r"/(work|tmp|home)/", text)
