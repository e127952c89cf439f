"""What connectors add to the graph, composed from their streams' declarations.

A stream with a ``graph_name`` becomes a ``Grid`` field listing its records; one with
a ``lookup_name`` a root ``Query`` field finding one by id. Each connector's fields
are one strawberry type, a mixin the schema composes ``Grid`` (or ``Query``) from, so
an integrator adds a connector without touching the core.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from connectors.sdk import Connector, discover
from schema.connectors.resolvers import grid_field, lookup_field


def grid_mixins(connectors: Sequence[type[Connector]] | None = None) -> tuple[type, ...]:
    """One type per connector holding its ``Grid`` fields (the discovered ones by default)."""
    found = ((c, _grid_fields(c)) for c in _found(connectors))
    return tuple(_mixin(c, "GridFields", fields) for c, fields in found if fields)


def query_mixins(connectors: Sequence[type[Connector]] | None = None) -> tuple[type, ...]:
    """One type per connector holding its root lookups."""
    found = ((c, _lookup_fields(c)) for c in _found(connectors))
    return tuple(_mixin(c, "Query", fields) for c, fields in found if fields)


def _found(connectors: Sequence[type[Connector]] | None) -> Sequence[type[Connector]]:
    return discover() if connectors is None else connectors


def _grid_fields(connector: type[Connector]) -> dict[str, object]:
    return {
        s.graph_name: grid_field(connector, s, s.mapping.node_type, s.description)
        for s in connector.streams
        if s.graph_name
    }


def _lookup_fields(connector: type[Connector]) -> dict[str, object]:
    return {
        s.lookup_name: lookup_field(
            connector, s, s.mapping.node_type, f"One record of {connector.title} by its id."
        )
        for s in connector.streams
        if s.lookup_name
    }


def _mixin(connector: type[Connector], suffix: str, fields: dict[str, object]) -> type:
    name = connector.name.title().replace("_", "") + suffix
    return strawberry.type(type(name, (), fields))
