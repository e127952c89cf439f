"""The unified graph: core types, root types, and the schema they compose into.

``build_schema`` and ``print_sdl`` load on first use: composing the schema discovers
the connectors, whose graph types import parts of this package, so importing a part
(``schema.people``) must not compose the whole.
"""

from typing import TYPE_CHECKING, Any

from hub.core.errors import BadUserInputError, ErrorCode, HubError
from schema.context import HubContext, Info
from schema.errors import classify
from schema.hub_schema import HubSchema

if TYPE_CHECKING:
    from schema.build import build_schema, print_sdl

__all__ = [
    "BadUserInputError",
    "ErrorCode",
    "HubContext",
    "HubError",
    "HubSchema",
    "Info",
    "build_schema",
    "classify",
    "print_sdl",
]


def __getattr__(name: str) -> Any:
    if name in ("build_schema", "print_sdl"):
        from schema import build  # noqa: PLC0415 - deferred on purpose, see above

        return getattr(build, name)
    raise AttributeError(f"module 'schema' has no attribute {name!r}")
