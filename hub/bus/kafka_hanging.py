"""Ending a transaction Kafka will never end by itself, as Kafka's own tool does.

A "hanging" transaction is one whose records sit on a partition while the
transaction's coordinator does not know of it (Kafka can leave one after a broker
crash): nothing times it out, and it holds every ``read_committed`` reader of the
partition for good. Kafka's ``kafka-transactions.sh abort`` ends one by asking the
partition's leader which producer's transaction starts at the stuck offset
(DescribeProducers) and writing an abort marker for it there (WriteTxnMarkers). aiokafka
speaks neither API, so the two requests are declared here from Kafka's message specs:
DescribeProducers v0 and WriteTxnMarkers v1, both in the flexible encoding.

Aborting hides the transaction's records from ``read_committed`` readers, which is
what its producer, long gone, would have had; whatever it consumed is read again, since
its offsets were part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError, for_code
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    Boolean,
    CompactArray,
    CompactString,
    Int16,
    Int32,
    Int64,
    Schema,
    TaggedFields,
)

# aiokafka has no type hints: its protocol classes are Any to mypy, hence the ignores.
_TAGS = ("tags", TaggedFields)  # every struct of a flexible version ends with its tags
_TOPIC = ("name", CompactString("utf-8"))


def _array(*fields: Any) -> Any:
    return CompactArray(*fields, _TAGS)


def _per_topic(*partition_fields: Any) -> Any:
    return ("topics", _array(_TOPIC, ("partitions", _array(*partition_fields))))


_PARTITION_INDEXES = ("topics", _array(_TOPIC, ("partition_indexes", CompactArray(Int32))))
_PARTITION_ERROR = (("partition_index", Int32), ("error_code", Int16))


class _DescribeProducersResponse(Response):  # type: ignore[misc]
    API_KEY = 61
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        _per_topic(
            *_PARTITION_ERROR,
            ("error_message", CompactString("utf-8")),
            (
                "active_producers",
                _array(
                    ("producer_id", Int64),
                    ("producer_epoch", Int32),
                    ("last_sequence", Int32),
                    ("last_timestamp", Int64),
                    ("coordinator_epoch", Int32),
                    ("current_txn_start_offset", Int64),
                ),
            ),
        ),
        _TAGS,
    )


class _DescribeProducersStruct(RequestStruct):  # type: ignore[misc]
    FLEXIBLE_VERSION = True
    API_KEY = 61
    API_VERSION = 0
    RESPONSE_TYPE = _DescribeProducersResponse
    SCHEMA = Schema(_PARTITION_INDEXES, _TAGS)


class _DescribeProducers(Request[_DescribeProducersStruct]):  # type: ignore[misc]
    API_KEY = 61

    def __init__(self, partition: TopicPartition) -> None:
        self.partition = partition

    def build(self, request_struct_class: type[_DescribeProducersStruct]) -> Any:
        tp = self.partition
        return request_struct_class([(tp.topic, [tp.partition], {})], {})


class _WriteTxnMarkersResponse(Response):  # type: ignore[misc]
    API_KEY = 27
    API_VERSION = 1
    SCHEMA = Schema(
        ("markers", _array(("producer_id", Int64), _per_topic(*_PARTITION_ERROR))), _TAGS
    )


class _WriteTxnMarkersStruct(RequestStruct):  # type: ignore[misc]
    FLEXIBLE_VERSION = True
    API_KEY = 27
    API_VERSION = 1
    RESPONSE_TYPE = _WriteTxnMarkersResponse
    SCHEMA = Schema(
        (
            "markers",
            _array(
                ("producer_id", Int64),
                ("producer_epoch", Int16),
                ("transaction_result", Boolean),
                _PARTITION_INDEXES,
                ("coordinator_epoch", Int32),
            ),
        ),
        _TAGS,
    )


@dataclass(frozen=True)
class Holder:
    """The producer whose open transaction starts where a partition is stuck."""

    producer_id: int
    producer_epoch: int
    coordinator_epoch: int
    start: int


class _AbortMarker(Request[_WriteTxnMarkersStruct]):  # type: ignore[misc]
    API_KEY = 27

    def __init__(self, partition: TopicPartition, holder: Holder) -> None:
        self.partition = partition
        self.holder = holder

    def build(self, request_struct_class: type[_WriteTxnMarkersStruct]) -> Any:
        tp, holder = self.partition, self.holder
        topics: list[Any] = [(tp.topic, [tp.partition], {})]
        abort = False  # the marker's result: false is ABORT
        marker = (holder.producer_id, holder.producer_epoch, abort, topics)
        return request_struct_class([(*marker, max(0, holder.coordinator_epoch), {})], {})


async def holder(client: Any, partition: TopicPartition, stable: int) -> Holder | None:
    """The producer whose transaction starts at ``stable``, asked of the partition's
    leader; None when no producer's does (it ended meanwhile)."""
    answer = await client.send(await _leader(client, partition), _DescribeProducers(partition))
    (topic,) = answer.topics
    (found,) = topic[1]
    _raise_for(found[1], partition)
    for producer_id, epoch, _, _, coordinator_epoch, start, _ in found[3]:
        if start == stable:
            return Holder(producer_id, epoch, coordinator_epoch, start)
    return None


async def abort(client: Any, partition: TopicPartition, held_by: Holder) -> None:
    """Write an abort marker for ``held_by`` on the partition, at its leader."""
    marker = _AbortMarker(partition, held_by)
    answer = await client.send(await _leader(client, partition), marker)
    for _, topics, _ in answer.markers:
        for _, partitions, _ in topics:
            for _, error_code, _ in partitions:
                _raise_for(error_code, partition)


async def _leader(client: Any, partition: TopicPartition) -> int:
    cluster = await client.fetch_all_metadata()
    leader = cluster.leader_for_partition(partition)
    if leader is None or leader < 0:
        raise KafkaError(f"{partition.topic}[{partition.partition}] has no leader")
    return int(leader)


def _raise_for(error_code: int, partition: TopicPartition) -> None:
    if error_code:
        error = for_code(error_code)
        raise error(f"{partition.topic}[{partition.partition}]")
