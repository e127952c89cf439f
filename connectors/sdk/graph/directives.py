"""Schema directives that tell front-end teams how to treat a field."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.schema_directive import Location


@strawberry.enum(description="The kind of personal data a field holds.")
class PersonalDataKind(Enum):
    NAME = "NAME"
    PHONE = "PHONE"
    ID_NUMBER = "ID_NUMBER"
    ADDRESS = "ADDRESS"
    HEALTH = "HEALTH"


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="The field holds personal data: it may be masked, and reading it is audited. "
    "`department` owns the data: reading it unmasked takes the scope pii:read:<department>.",
)
class Personal:
    kind: PersonalDataKind
    department: str = "registry"


def personal(kind: PersonalDataKind, description: str, department: str = "registry") -> Any:
    """A field holding personal data of ``department`` (the grid registry by default)."""
    return strawberry.field(
        description=description, directives=[Personal(kind=kind, department=department)]
    )
