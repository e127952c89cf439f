"""``contracts/events/``: the JSON Schema of every event's data, generated from the models.

One file per CloudEvent type (``gov.grid.event.reported.json`` …), and one for the
dead letters on ``grid.events.dlq``. Tests fail when a file differs from what the
models generate, and hold every produced event to its file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hub.bus import DeadLetter
from hub.core.paths import CONTRACTS_DIR, EVENT_SCHEMAS_DIR, contracts_to_write
from hub.events.payloads import PAYLOADS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEAD_LETTER_FILE = "dead-letter.json"


def schema_of(name: str, model: type[BaseModel]) -> dict[str, Any]:
    generated = model.model_json_schema(by_alias=True, mode="serialization")
    generated.pop("title", None)
    return {"$schema": DRAFT, "$id": f"urn:grid-hub:events:{name}", "title": name, **generated}


def schemas() -> dict[str, dict[str, Any]]:
    """File name → schema, for every published type."""
    found = {f"{name}.json": schema_of(name, model) for name, model in sorted(PAYLOADS.items())}
    found[DEAD_LETTER_FILE] = schema_of("dead-letter", DeadLetter)
    return found


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def write_schemas(directory: Path | None = None, *, check_only: bool = False) -> list[Path]:
    """Write every schema into ``directory``: by default the checkout's
    ``contracts/events/`` (installed: ``./contracts/events/``)."""
    directory = directory or contracts_to_write() / EVENT_SCHEMAS_DIR.relative_to(CONTRACTS_DIR)
    paths = []
    for name, schema in schemas().items():
        path = directory / name
        paths.append(path)
        if not check_only:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(render(schema), encoding="utf-8")
    return paths
