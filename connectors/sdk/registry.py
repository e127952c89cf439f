"""Finding connectors: the entry-point group ``hub.connectors``, as pytest finds plugins.

A distribution declares its connectors in its metadata:

    [project.entry-points."hub.connectors"]
    water = "hub_connector_water:WaterConnector"

The hub's own are declared the same way. Third-party discovery is switched off with
``HUB_CONNECTORS__PLUGIN_AUTOLOAD=false`` (as ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` does
for pytest), and ``HUB_CONNECTORS__BLOCKED=water,gas`` keeps named connectors out,
built-in or not. Both are read from the environment: discovery shapes the schema.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from connectors.sdk.connector import Connector

log = logging.getLogger("hub.connectors")

ENTRY_POINT_GROUP = "hub.connectors"
AUTOLOAD_VARIABLE = "HUB_CONNECTORS__PLUGIN_AUTOLOAD"
BLOCKED_VARIABLE = "HUB_CONNECTORS__BLOCKED"
BUILT_IN_DISTRIBUTION = "grid-hub"


class DiscoveryError(Exception):
    """An entry point that does not name a usable connector class."""


def discover() -> tuple[type[Connector], ...]:
    """The connectors this installation offers, by name, as the environment allows."""
    return _discover(_autoload(), _blocked())


@cache
def _discover(autoload: bool, blocked: frozenset[str]) -> tuple[type[Connector], ...]:
    found: dict[str, type[Connector]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in blocked or not (autoload or is_built_in(entry)):
            log.info("connector not loaded", extra={"connector": entry.name})
            continue
        connector = _load(entry)
        if entry.name in found and found[entry.name] is not connector:
            raise DiscoveryError(f"two connectors are named {entry.name!r}")
        found[entry.name] = connector
    return tuple(found[name] for name in sorted(found))


def is_built_in(entry: EntryPoint) -> bool:
    distribution = entry.dist.name if entry.dist else ""
    return distribution.lower().replace("_", "-") == BUILT_IN_DISTRIBUTION


def _load(entry: EntryPoint) -> type[Connector]:
    loaded = entry.load()
    if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
        raise DiscoveryError(f"entry point {entry.name!r} is not a Connector subclass")
    if loaded.name != entry.name:
        raise DiscoveryError(f"entry point {entry.name!r} names connector {loaded.name!r}")
    return loaded


def load_object(reference: str) -> object:
    """``"package.module:Name"`` → the object it names."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def _autoload() -> bool:
    return os.environ.get(AUTOLOAD_VARIABLE, "true").strip().lower() not in ("0", "false", "no")


def _blocked() -> frozenset[str]:
    """A JSON list, as pydantic-settings reads it, or plain comma-separated names."""
    text = os.environ.get(BLOCKED_VARIABLE, "").strip()
    names = json.loads(text) if text.startswith("[") else text.split(",")
    return frozenset(str(name).strip() for name in names if str(name).strip())
