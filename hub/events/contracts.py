"""``contracts/events/``: the JSON Schema of every event's data, generated from the models.

One file per CloudEvent type (``gov.grid.event.reported.json`` …), and one for the
dead letters on ``grid.events.dlq``. The checkout's ``contracts/`` holds the hub's own
types; a department feed's types (``gov.<department>.<entity>.<verb>``) come with the
connectors installed, so their schemas, with the department and the entity fixed, and
the AsyncAPI document that lists them are written on demand (:func:`write_contracts`).
Tests fail when a file differs from what the models generate, and hold every produced
event to its schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from hub.bus import DeadLetter
from hub.core.feeds import FeedType
from hub.core.paths import ASYNCAPI_FILE, CONTRACTS_DIR, EVENT_SCHEMAS_DIR, contracts_to_write
from hub.events.payloads import PAYLOADS, DepartmentRecord

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEAD_LETTER_FILE = "dead-letter.json"
ASYNCAPI_NAME = "asyncapi.yaml"
EVENTS_FOLDER = EVENT_SCHEMAS_DIR.relative_to(CONTRACTS_DIR)


def schema_of(name: str, model: type[BaseModel]) -> dict[str, Any]:
    generated = model.model_json_schema(by_alias=True, mode="serialization")
    generated.pop("title", None)
    return {"$schema": DRAFT, "$id": f"urn:grid-hub:events:{name}", "title": name, **generated}


def feed_schema(feed_type: FeedType) -> dict[str, Any]:
    """A department record's schema, its department and entity fixed to this type's."""
    schema = schema_of(feed_type.value, DepartmentRecord)
    fields = schema["properties"]
    fields["department"] = {**_loose(fields["department"]), "const": feed_type.department}
    fields["entity"] = {**_loose(fields["entity"]), "const": feed_type.entity}
    return schema


def _loose(field: dict[str, Any]) -> dict[str, Any]:
    """A field's schema without its pattern: a constant says more."""
    return {k: v for k, v in field.items() if k != "pattern"}


def schemas(feed_types: Iterable[FeedType] = ()) -> dict[str, dict[str, Any]]:
    """File name → schema, for the hub's own types and ``feed_types``."""
    found = {f"{name}.json": schema_of(name, model) for name, model in sorted(PAYLOADS.items())}
    found.update({f"{t.value}.json": feed_schema(t) for t in sorted(feed_types)})
    found[DEAD_LETTER_FILE] = schema_of("dead-letter", DeadLetter)
    return found


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def write_schemas(directory: Path | None = None, *, check_only: bool = False) -> list[Path]:
    """Write the hub's own schemas into ``directory``: by default the checkout's
    ``contracts/events/`` (installed: ``./contracts/events/``)."""
    directory = directory or contracts_to_write() / EVENTS_FOLDER
    return _write(directory, schemas(), check_only=check_only)


def _write(
    directory: Path, found: dict[str, dict[str, Any]], *, check_only: bool = False
) -> list[Path]:
    paths = []
    for name, schema in found.items():
        path = directory / name
        paths.append(path)
        if not check_only:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(render(schema), encoding="utf-8")
    return paths


def message_key(feed_type: FeedType) -> str:
    """How the AsyncAPI document names a feed type's message: ``PoliceIncidentCreated``."""
    parts = (feed_type.department, feed_type.entity, feed_type.verb)
    return "".join(part[:1].upper() + part[1:] for part in parts)


def asyncapi(feed_types: Iterable[FeedType], departments: Sequence[str]) -> dict[str, Any]:
    """The hub's AsyncAPI document with a message for each feed type on ``grid.events``,
    and ``departments`` as the dispatch topics' departments."""
    document: dict[str, Any] = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    channels = document["channels"]
    messages = document["components"]["messages"]
    for feed_type in sorted(feed_types):
        key = message_key(feed_type)
        messages[key] = _feed_message(feed_type)
        channels["gridEvents"]["messages"][key] = {"$ref": f"#/components/messages/{key}"}
    channels["departmentDispatch"]["parameters"]["department"]["enum"] = list(departments)
    return document


def _feed_message(feed_type: FeedType) -> dict[str, Any]:
    return {
        "name": feed_type.value,
        "title": feed_type.value,
        "summary": f"A department's own record from its change feed ({feed_type.value}).",
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
        "payload": {"$ref": f"./{EVENTS_FOLDER.as_posix()}/{feed_type.value}.json"},
        "bindings": {"kafka": {"key": {"$ref": "#/components/schemas/GridCode"}}},
    }


def render_asyncapi(document: dict[str, Any]) -> str:
    header = (
        "# Written by `hub events contracts --out`: the hub's contracts/asyncapi.yaml with\n"
        "# the change-feed messages of every connector installed where it ran.\n"
    )
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def write_contracts(
    directory: Path, feed_types: Iterable[FeedType], departments: Sequence[str]
) -> list[Path]:
    """The whole contract of the bus as installed: every schema (the hub's and the feed
    types') under ``directory/events/`` and the AsyncAPI document beside them."""
    types = sorted(feed_types)
    paths = _write(directory / EVENTS_FOLDER, schemas(types))
    document = directory / ASYNCAPI_NAME
    document.write_text(render_asyncapi(asyncapi(types, departments)), encoding="utf-8")
    return [*paths, document]
