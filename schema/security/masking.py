"""Masking personal data, one rule per kind, the same on every path.

NAME        张三明 → 张*明, 张三 → 张*, 欧阳娜娜 → 欧**娜
PHONE       13812341234 → 138****1234
ID_NUMBER   330102199001011234 → 3301**********1234
ADDRESS     kept to the building: 文一西路88号3幢2单元501室 → 文一西路88号3幢***
HEALTH      withheld entirely: ***
"""

from __future__ import annotations

import re
from collections.abc import Callable

from connectors.sdk.graph import PersonalDataKind
from hub.core.personal import mask_name, mask_phone

HIDDEN = "***"
# The building-level part of an address; what follows (unit, floor, room) lies below it.
_BUILDING = re.compile(r"^(.*?(?:\d+(?:幢|栋|号楼|座)|[A-Za-z]座))")


def mask_id_number(number: str) -> str:
    if len(number) < 10:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_address(address: str) -> str:
    found = _BUILDING.match(address)
    if found and len(found.group(1)) < len(address):
        return found.group(1) + HIDDEN
    if found:
        return address
    return address[: len(address) // 3] + HIDDEN


def mask_health(_: str) -> str:
    return HIDDEN


MASKS: dict[PersonalDataKind, Callable[[str], str]] = {
    PersonalDataKind.NAME: mask_name,
    PersonalDataKind.PHONE: mask_phone,
    PersonalDataKind.ID_NUMBER: mask_id_number,
    PersonalDataKind.ADDRESS: mask_address,
    PersonalDataKind.HEALTH: mask_health,
}


def mask(kind: PersonalDataKind, value: object) -> object:
    """The masked value: strings by their kind, lists item by item, anything else hidden."""
    if value is None:
        return None
    if isinstance(value, str):
        return MASKS[kind](value)
    if isinstance(value, list | tuple):
        return [mask(kind, item) for item in value]
    return HIDDEN
