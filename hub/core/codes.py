"""Region codes: hierarchical digits, so a code names its whole ancestry.

330199            district     (6 digits, the national administrative code)
330199001         street/town  (+3)
330199001002      community    (+3)
330199001002003   grid         (+3)
330199001002003004 micro-grid  (+3)
"""

from __future__ import annotations

from enum import StrEnum


class RegionLevel(StrEnum):
    DISTRICT = "DISTRICT"
    STREET = "STREET"
    COMMUNITY = "COMMUNITY"
    GRID = "GRID"
    MICRO_GRID = "MICRO_GRID"

    @property
    def code_length(self) -> int:
        return _CODE_LENGTHS[self]

    @property
    def depth(self) -> int:
        return _ORDER.index(self)

    @property
    def parent(self) -> RegionLevel | None:
        return _ORDER[self.depth - 1] if self.depth else None

    @property
    def child(self) -> RegionLevel | None:
        return _ORDER[self.depth + 1] if self.depth + 1 < len(_ORDER) else None


_ORDER = list(RegionLevel)
_CODE_LENGTHS = {level: 6 + 3 * depth for depth, level in enumerate(_ORDER)}
_LEVEL_BY_LENGTH = {length: level for level, length in _CODE_LENGTHS.items()}


class InvalidCodeError(ValueError):
    """A string that is not a region code of any level."""


def level_of(code: str) -> RegionLevel:
    """The level a code names, from its length; raises InvalidCodeError."""
    if not code.isascii() or not code.isdigit():
        raise InvalidCodeError(f"region code must be digits only: {code!r}")
    level = _LEVEL_BY_LENGTH.get(len(code))
    if level is None:
        lengths = ", ".join(str(n) for n in sorted(_LEVEL_BY_LENGTH))
        raise InvalidCodeError(f"region code must have {lengths} digits: {code!r}")
    return level


def parent_of(code: str) -> str | None:
    """The parent's code, or None for a district."""
    parent = level_of(code).parent
    return code[: parent.code_length] if parent else None


def ancestor_at(code: str, level: RegionLevel) -> str | None:
    """The code of the ancestor (or self) at ``level``; None when ``level`` is deeper."""
    return code[: level.code_length] if level.depth <= level_of(code).depth else None


def lineage(code: str) -> list[str]:
    """The codes from the district down to ``code`` itself."""
    depth = level_of(code).depth
    return [code[: level.code_length] for level in _ORDER[: depth + 1]]


def is_within(code: str, ancestor: str) -> bool:
    """Whether ``code`` is ``ancestor`` or lies in its subtree."""
    return code.startswith(ancestor)


class WorkerRole(StrEnum):
    LEADER = "LEADER"  # 网格长
    FULL_TIME = "FULL_TIME"  # 专职网格员
    PART_TIME = "PART_TIME"  # 兼职网格员
    MICRO_GRID_LEAD = "MICRO_GRID_LEAD"  # 微网格长 / 楼栋长
