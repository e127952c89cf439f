"""Decoding JSON bodies fast: every department answer is decoded on the query path.

orjson decodes UTF-8 JSON several times faster than the standard library. What it
refuses and the standard library reads (a byte-order mark, another UTF encoding, NaN
or Infinity) goes to the standard library, so a body decodes exactly when it did
before, and an invalid one still raises ``ValueError``. One difference: an integer
beyond 64 bits comes back as a float, as JavaScript reads it (RFC 8259 calls such
numbers not interoperable; the built-in contracts' integers are counts, versions and
seconds).
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def decode_json(body: bytes | str) -> Any:
    """The JSON value in ``body``; ``ValueError`` when it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:  # rare: let the standard library have the last word
        return json.loads(body)
