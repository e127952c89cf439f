"""Region codes as graph arguments: a malformed one is the caller's mistake, typed."""

from __future__ import annotations

from hub.core.codes import InvalidCodeError, RegionLevel, level_of
from hub.core.errors import BadUserInputError


def parse_code(code: str, argument: str = "code") -> RegionLevel:
    try:
        return level_of(code)
    except InvalidCodeError as error:
        raise BadUserInputError(str(error), argument=argument) from error
