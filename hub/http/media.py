"""Which media type to answer in: the client's ``Accept`` against what the hub can send.

GraphQL over HTTP gives a client two JSON media types. ``application/graphql-response+json``
says what happened through the status code too (a request that fails to parse or
validate is a 4xx); ``application/json`` is the legacy one, where such a request is
still 200. A client gets the first if it prefers it, and ``application/json`` if it
only knows that one, sends ``*/*``, or sends no ``Accept`` at all (the spec's default).

The ranking follows RFC 9110: each offer takes the quality of the most specific range
that matches it; a higher quality wins, then a more specific range (an offer the client
named beats one reached through ``*/*``), then the client's order, then the order of
the offers (the hub's own preference). Quality 0 means "not this one".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
EVENT_STREAM = "text/event-stream"
HTML = "text/html"

# What /graphql answers an operation in, the hub's preference first: a legacy client that
# sends */* must get application/json, and an event stream only when asked for by name.
GRAPHQL_OFFERS = (JSON, GRAPHQL_RESPONSE_JSON, EVENT_STREAM)
JSON_OFFERS = (JSON, GRAPHQL_RESPONSE_JSON)

_NO_ACCEPT = JSON  # what the spec tells a server to assume when Accept is missing


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    subtype: str
    quality: float
    position: int  # in the client's list

    def specificity(self, media_type: str) -> int | None:
        """2 for an exact match, 1 for ``type/*``, 0 for ``*/*``; None if it does not match."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return None
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else None


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; a range that cannot be read is left out."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        kind, slash, sub = media_range.lower().partition("/")
        quality = _quality(parameters)
        if not slash or not kind or not sub or quality is None or (kind == "*" and sub != "*"):
            continue
        ranges.append(MediaRange(kind, sub, quality, position))
    return ranges


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers, or None when it accepts none of them."""
    ranges = parse_accept(accept) if accept and accept.strip() else parse_accept(_NO_ACCEPT)
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for preference, offer in enumerate(offers):
        matched = _best_range(ranges, offer)
        if matched is None or matched[0].quality <= 0:
            continue
        media_range, specificity = matched
        rank = (media_range.quality, specificity, -media_range.position, -preference)
        if best is None or rank > best:
            best, chosen = rank, offer
    return chosen


def json_type_for(accept: str | None) -> str:
    """The JSON media type for an answer the client cannot refuse (an error, a 406)."""
    return negotiate(accept, JSON_OFFERS) or JSON


def _best_range(ranges: list[MediaRange], offer: str) -> tuple[MediaRange, int] | None:
    """The most specific range matching ``offer``: it alone sets the offer's quality."""
    found: tuple[MediaRange, int] | None = None
    for media_range in ranges:
        specificity = media_range.specificity(offer)
        if specificity is not None and (found is None or specificity > found[1]):
            found = (media_range, specificity)
    return found


def _quality(parameters: list[str]) -> float | None:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return None
            return quality if 0 <= quality <= 1 else None
    return 1.0
