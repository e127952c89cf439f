"""Server-side pagination in the styles department systems use.

Page numbers and offsets slice a list; cursors and FHIR page tokens are opaque to the
client but here simply encode where the next page starts, bound to the filters they
were issued for, so a cursor reused with other filters is refused rather than
silently wrong.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from connectors.sdk.simulation.params import bad_request

T = TypeVar("T")


def by_page(items: Sequence[T], page: int, size: int) -> list[T]:
    """Page ``page`` (from 1) of ``size`` items."""
    start = (page - 1) * size
    return list(items[start : start + size])


def by_offset(items: Sequence[T], offset: int, limit: int) -> list[T]:
    return list(items[offset : offset + limit])


def fingerprint(filters: Any) -> str:
    """A short digest of the filters a cursor belongs to."""
    text = json.dumps(filters, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def encode_token(position: Any, filters: Any) -> str:
    """An opaque token for ``position`` (any JSON value), bound to ``filters``."""
    raw = json.dumps({"p": position, "f": fingerprint(filters)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, filters: Any, name: str = "cursor", **error: object) -> Any:
    """The position a token encodes; a 400 for a forged token or one of other filters."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        decoded = json.loads(raw)
        position, issued_for = decoded["p"], str(decoded["f"])
    except (ValueError, KeyError, TypeError):
        raise bad_request(f"{name} is not one this system issued", **error) from None
    if issued_for != fingerprint(filters):
        raise bad_request(f"{name} was issued for other filters", **error)
    return position
