"""CloudEvents 1.0 in Kafka binary mode: attributes in ``ce_*`` headers, data as the value.

The key of every message is the grid code (``gridid``), so all events of one grid
share a partition and keep their order.
"""

from __future__ import annotations

import builtins
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from ulid import ULID

from hub.bus.message import Headers, Message, Record
from hub.core import telemetry

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
M = TypeVar("M", bound=BaseModel)
_SPEC_HEADER = ("ce_specversion", SPEC_VERSION.encode())
_CONTENT_HEADER = ("content-type", CONTENT_TYPE.encode())


class MalformedEventError(ValueError):
    """A message that is not a CloudEvent this hub understands: it goes to the DLQ."""


def new_id() -> str:
    return str(ULID())


def derived_id(parent: str, salt: str) -> str:
    """A ULID fixed by its parent event and a salt, in the parent's millisecond.

    Outputs computed from one input get the same ids however often the input is
    redelivered, so consumers that are idempotent on the id see each output once.
    """
    return parent[:_TIME_CHARS] + _randomness(f"{parent}/{salt}")


def stable_id(at: datetime, key: str) -> str:
    """A ULID fixed by a moment and a key: the same upstream change always gets the same id."""
    return _encode(int(at.timestamp() * 1000), _TIME_CHARS) + _randomness(key)


# A ULID is 48 bits of milliseconds then 80 bits of randomness, in Crockford's base32:
# 10 characters, then 16. Encoding it here is a tenth of the cost of the ulid package,
# and the router makes one id for every event it emits.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TIME_CHARS = 10
# Every pair of base32 characters, by the 10 bits it encodes: 80 bits are 8 pairs.
# Two thirds of the cost of ``base64.b32encode``, whose encoding loop is Python's own.
_PAIRS = tuple(first + second for first in _CROCKFORD for second in _CROCKFORD)
_PAIR_SHIFTS = tuple(range(70, -1, -10))


def _randomness(key: str) -> str:
    """80 bits from the key: exactly 16 base32 characters."""
    bits = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=10).digest())
    return "".join([_PAIRS[(bits >> shift) & 0x3FF] for shift in _PAIR_SHIFTS])


def _encode(number: int, length: int) -> str:
    characters = []
    for _ in range(length):
        characters.append(_CROCKFORD[number & 31])
        number >>= 5
    return "".join(reversed(characters))


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without a time zone: {text!r}")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class CloudEvent:
    id: str
    type: str
    source: str  # the component that produced it, e.g. /hub/router
    time: datetime
    gridid: str  # the unified grid code; also the message key
    subject: str | None  # the grid event this is about (its id), when there is one
    data: bytes  # JSON
    # The trace it belongs to (W3C trace context, the CloudEvents distributed tracing
    # extension): set from the span that made it, so its handlers continue that trace.
    traceparent: str | None = None
    # When the hub recorded it, where that is later than it happened (the CloudEvents
    # recordedtime extension): a department's record read by a change feed.
    recordedtime: datetime | None = None

    @classmethod
    def of(  # noqa: PLR0913 - the CloudEvents attributes, all but id and the times required
        cls,
        type_: str,
        source: str,
        gridid: str,
        data: BaseModel,
        *,
        subject: str | None = None,
        id_: str | None = None,
        time: datetime | None = None,
        recordedtime: datetime | None = None,
    ) -> CloudEvent:
        return cls(
            id=id_ or new_id(),
            type=type_,
            source=source,
            time=time or datetime.now(UTC),
            gridid=gridid,
            subject=subject,
            data=data.model_dump_json(by_alias=True, exclude_none=True).encode(),
            traceparent=telemetry.traceparent(),
            recordedtime=recordedtime,
        )

    def message(self, topic: str) -> Message:
        headers: Headers = (
            _SPEC_HEADER,
            ("ce_id", self.id.encode()),
            ("ce_type", self.type.encode()),
            ("ce_source", self.source.encode()),
            ("ce_time", format_time(self.time).encode()),
            ("ce_gridid", self.gridid.encode()),
            _CONTENT_HEADER,
        )
        if self.subject is not None:
            headers += (("ce_subject", self.subject.encode()),)
        if self.traceparent is not None:
            headers += (("ce_traceparent", self.traceparent.encode()),)
        if self.recordedtime is not None:
            headers += (("ce_recordedtime", format_time(self.recordedtime).encode()),)
        return Message(topic=topic, key=self.gridid, value=self.data, headers=headers)

    @classmethod
    def from_record(cls, record: Record) -> CloudEvent:
        headers = dict(record.headers)
        try:
            if headers.get("ce_specversion") != SPEC_VERSION.encode():
                raise MalformedEventError("not a CloudEvents 1.0 message (ce_specversion)")
            return cls(
                id=_required(headers, "ce_id"),
                type=_required(headers, "ce_type"),
                source=_required(headers, "ce_source"),
                time=parse_time(_required(headers, "ce_time")),
                gridid=_required(headers, "ce_gridid"),
                subject=headers["ce_subject"].decode() if "ce_subject" in headers else None,
                data=record.value,
                traceparent=_optional(headers, "ce_traceparent"),
                recordedtime=_optional_time(headers, "ce_recordedtime"),
            )
        except (UnicodeDecodeError, ValueError) as error:
            raise MalformedEventError(str(error)) from error

    def payload(self, model: builtins.type[M]) -> M:  # `type` is a field here
        """The data as ``model``; MalformedEventError when it does not fit."""
        try:
            return model.model_validate_json(self.data)
        except ValidationError as error:
            raise MalformedEventError(f"{self.type} data: {_first_errors(error)}") from error


def _required(headers: dict[str, bytes], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise MalformedEventError(f"header {name} is missing")
    return value.decode()


def _optional(headers: dict[str, bytes], name: str) -> str | None:
    value = headers.get(name)
    return value.decode() if value else None


def _optional_time(headers: dict[str, bytes], name: str) -> datetime | None:
    value = _optional(headers, name)
    return parse_time(value) if value else None


def _first_errors(error: ValidationError, limit: int = 3) -> str:
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
        for e in error.errors()[:limit]
    ]
    return "; ".join(parts)
