"""Custom scalars, registered with the schema through ``SCALARS``."""

from __future__ import annotations

import json
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

GeoJSON = NewType("GeoJSON", str)
"""A GeoJSON geometry, kept as its stored text until it is sent."""

SCALARS: dict[object, ScalarDefinition] = {
    GeoJSON: strawberry.scalar(
        name="GeoJSON",
        description="A GeoJSON geometry object (RFC 7946), longitude before latitude.",
        specified_by_url="https://datatracker.ietf.org/doc/html/rfc7946",
        serialize=lambda value: json.loads(value) if isinstance(value, str) else value,
        parse_value=json.dumps,
    ),
}
