"""Dead letters: a message no consumer could handle, kept on ``grid.events.dlq`` with why.

The reason travels twice: in ``dlq_*`` headers, for tools that only read headers, and
in the payload with the original message, for whoever repairs and replays it.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from pydantic import Field

from hub.bus.message import Message, Record
from hub.bus.wire import Wire

MAX_REASON = 1000


class DeadLetter(Wire):
    reason: str
    group: str = Field(description="The consumer group that gave up on it.")
    topic: str
    partition: int
    offset: int
    key: str
    headers: dict[str, str]
    value: str
    value_encoding: str = Field(pattern="^(utf-8|base64)$")
    failed_at: datetime


def dead_letter(record: Record, reason: str, group: str, topic: str) -> Message:
    reason = reason[:MAX_REASON]
    try:
        value, encoding = record.value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        value, encoding = base64.b64encode(record.value).decode(), "base64"
    letter = DeadLetter(
        reason=reason,
        group=group,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        headers={n: v.decode("utf-8", errors="replace") for n, v in record.headers},
        value=value,
        value_encoding=encoding,
        failed_at=datetime.now(UTC),
    )
    headers = (
        ("dlq_reason", reason.encode()),
        ("dlq_group", group.encode()),
        ("dlq_topic", record.topic.encode()),
        ("dlq_partition", str(record.partition).encode()),
        ("dlq_offset", str(record.offset).encode()),
        ("content-type", b"application/json"),
    )
    body = letter.model_dump_json(by_alias=True).encode()
    return Message(topic=topic, key=record.key, value=body, headers=headers)
