"""JSON bodies, fast: every department answer is decoded on the query path, and every
answer and subscription update the hub sends is encoded.

orjson decodes UTF-8 JSON several times faster than the standard library. What it
refuses and the standard library reads (a byte-order mark, another UTF encoding, NaN
or Infinity) goes to the standard library, so a body decodes exactly when it did
before, and an invalid one still raises ``ValueError``. One difference: an integer
beyond 64 bits comes back as a float, as JavaScript reads it (RFC 8259 calls such
numbers not interoperable; the built-in contracts' integers are counts, versions and
seconds).

Encoding writes what the standard library writes with ``ensure_ascii=False`` and
compact separators, Chinese text as itself: a third of the bytes of ``\\u`` escapes, and
readable. orjson does it several times faster; what it refuses (an integer beyond 64
bits, a key that is not a string) or would encode where the standard library refuses
(a datetime, a dataclass) goes to the standard library, which encodes or refuses it as
before. One difference: NaN and Infinity, which JSON has no words for, are written as
null (GraphQL's Float refuses them before they get here).
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


_REFUSED_AS_BEFORE = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON; ``TypeError`` when it is not JSON's to encode."""
    try:
        return orjson.dumps(value, option=_REFUSED_AS_BEFORE)
    except orjson.JSONEncodeError:  # rare: the standard library encodes or refuses it
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
