"""The unified graph: core types, root types, and the schema they compose into."""

from schema.build import build_schema, print_sdl
from schema.context import HubContext, Info
from schema.errors import BadUserInputError, ErrorCode, HubError
from schema.hub_schema import HubSchema

__all__ = [
    "BadUserInputError",
    "ErrorCode",
    "HubContext",
    "HubError",
    "HubSchema",
    "Info",
    "build_schema",
    "print_sdl",
]
