"""Ending a transaction Kafka left open, as its coordinator decided.

A "hanging" transaction is one whose records sit on a partition with no end marker
while its coordinator no longer has it open: nothing will ever end it, and it holds
every ``read_committed`` reader of the partition for good. Kafka leaves one when its
coordinator, starting up, cannot find a partition's leader yet: it takes the partition
for deleted, skips its marker and completes the transaction without it (seen in the
broker's log: "Couldn't find leader endpoint … these partitions are likely deleted
already and hence can be skipped").

Kafka's ``kafka-transactions.sh abort`` ends one by writing a marker at the partition's
leader (WriteTxnMarkers) for the producer whose transaction starts at the stuck offset
(DescribeProducers). For the hub's own transactions the marker is a commit: the
coordinator had decided to commit (its producer saw the commit succeed and moved on,
its offsets included), and every reader of the hub's is idempotent on event ids, so a
commit can at worst repeat what was done, where an abort could drop outputs whose
inputs count as read. A transaction the coordinator still has open on the partition
(ListTransactions, DescribeTransactions) is left alone, as is any producer not the
hub's. aiokafka speaks none of these four APIs, so they are declared here from
Kafka's message specs, each in its first (flexible) version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition
from aiokafka.client import CoordinationType
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
LIVE_STATES = frozenset({"Ongoing", "PrepareCommit", "PrepareAbort", "PrepareEpochFence"})
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


class _ListTransactionsResponse(Response):  # type: ignore[misc]
    API_KEY = 66
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("error_code", Int16),
        ("unknown_state_filters", CompactArray(CompactString("utf-8"))),
        (
            "transaction_states",
            _array(
                ("transactional_id", CompactString("utf-8")),
                ("producer_id", Int64),
                ("transaction_state", CompactString("utf-8")),
            ),
        ),
        _TAGS,
    )


class _ListTransactionsStruct(RequestStruct):  # type: ignore[misc]
    FLEXIBLE_VERSION = True
    API_KEY = 66
    API_VERSION = 0
    RESPONSE_TYPE = _ListTransactionsResponse
    SCHEMA = Schema(
        ("state_filters", CompactArray(CompactString("utf-8"))),
        ("producer_id_filters", CompactArray(Int64)),
        _TAGS,
    )


class _ListTransactions(Request[_ListTransactionsStruct]):  # type: ignore[misc]
    API_KEY = 66

    def __init__(self, producer_id: int) -> None:
        self.producer_id = producer_id

    def build(self, request_struct_class: type[_ListTransactionsStruct]) -> Any:
        return request_struct_class([], [self.producer_id], {})


class _DescribeTransactionsResponse(Response):  # type: ignore[misc]
    API_KEY = 65
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "transaction_states",
            _array(
                ("error_code", Int16),
                ("transactional_id", CompactString("utf-8")),
                ("transaction_state", CompactString("utf-8")),
                ("transaction_timeout_ms", Int32),
                ("transaction_start_time_ms", Int64),
                ("producer_id", Int64),
                ("producer_epoch", Int16),
                (
                    "topics",
                    _array(("topic", CompactString("utf-8")), ("partitions", CompactArray(Int32))),
                ),
            ),
        ),
        _TAGS,
    )


class _DescribeTransactionsStruct(RequestStruct):  # type: ignore[misc]
    FLEXIBLE_VERSION = True
    API_KEY = 65
    API_VERSION = 0
    RESPONSE_TYPE = _DescribeTransactionsResponse
    SCHEMA = Schema(("transactional_ids", CompactArray(CompactString("utf-8"))), _TAGS)


class _DescribeTransactions(Request[_DescribeTransactionsStruct]):  # type: ignore[misc]
    API_KEY = 65

    def __init__(self, transactional_id: str) -> None:
        self.transactional_id = transactional_id

    def build(self, request_struct_class: type[_DescribeTransactionsStruct]) -> Any:
        return request_struct_class([self.transactional_id], {})


@dataclass(frozen=True)
class Holder:
    """The producer whose open transaction starts where a partition is stuck."""

    producer_id: int
    producer_epoch: int
    coordinator_epoch: int
    start: int


class _CommitMarker(Request[_WriteTxnMarkersStruct]):  # type: ignore[misc]
    API_KEY = 27

    def __init__(self, partition: TopicPartition, holder: Holder) -> None:
        self.partition = partition
        self.holder = holder

    def build(self, request_struct_class: type[_WriteTxnMarkersStruct]) -> Any:
        tp, holder = self.partition, self.holder
        topics: list[Any] = [(tp.topic, [tp.partition], {})]
        commit = True  # the marker's result: true is COMMIT
        marker = (holder.producer_id, holder.producer_epoch, commit, topics)
        return request_struct_class([(*marker, max(0, holder.coordinator_epoch), {})], {})


async def hung(
    client: Any, partition: TopicPartition, stable: int, owned_by: str
) -> tuple[Holder, str] | None:
    """The producer, and its transactional id, whose transaction holds ``partition`` at
    ``stable`` with its coordinator no longer having it open, if that id starts with
    ``owned_by``; None for any other holder, or none."""
    held_by = await holder(client, partition, stable)
    if held_by is None:
        return None
    transactional_id = await owner(client, held_by.producer_id)
    if transactional_id is None or not transactional_id.startswith(owned_by):
        return None
    if await still_open(client, transactional_id, partition):
        return None
    return held_by, transactional_id


async def holder(client: Any, partition: TopicPartition, stable: int) -> Holder | None:
    """The producer whose transaction starts at ``stable``, asked of the partition's
    leader; None when no producer's does (it ended meanwhile)."""
    answer = await client.send(await _leader(client, partition), _DescribeProducers(partition))
    (topic,) = answer.topics
    (found,) = topic[1]
    _raise_for(found[1], _name(partition))
    for producer_id, epoch, _, _, coordinator_epoch, start, _ in found[3]:
        if start == stable:
            return Holder(producer_id, epoch, coordinator_epoch, start)
    return None


async def owner(client: Any, producer_id: int) -> str | None:
    """The transactional id the coordinators have for ``producer_id``, if any."""
    for broker in client.cluster.brokers():  # each coordinates its share of the ids
        answer = await client.send(broker.nodeId, _ListTransactions(producer_id))
        _raise_for(answer.error_code, f"producer {producer_id}")
        for transactional_id, listed_id, _, _ in answer.transaction_states:
            if listed_id == producer_id:
                return str(transactional_id)
    return None


async def still_open(client: Any, transactional_id: str, partition: TopicPartition) -> bool:
    """Whether its coordinator has the transaction open (or ending) on ``partition``:
    then the coordinator will end it, and nobody else may."""
    coordinator = await client.coordinator_lookup(CoordinationType.TRANSACTION, transactional_id)
    answer = await client.send(coordinator, _DescribeTransactions(transactional_id))
    for error_code, _, state, _, _, _, _, topics, _ in answer.transaction_states:
        _raise_for(error_code, transactional_id)
        listed = {(topic, index) for topic, indexes, _ in topics for index in indexes}
        if state in LIVE_STATES and (partition.topic, partition.partition) in listed:
            return True
    return False


async def commit(client: Any, partition: TopicPartition, held_by: Holder) -> None:
    """Write a commit marker for ``held_by`` on the partition, at its leader."""
    marker = _CommitMarker(partition, held_by)
    answer = await client.send(await _leader(client, partition), marker)
    for _, topics, _ in answer.markers:
        for _, partitions, _ in topics:
            for _, error_code, _ in partitions:
                _raise_for(error_code, _name(partition))


async def _leader(client: Any, partition: TopicPartition) -> int:
    await client.force_metadata_update()  # the leader then, and its address to send to
    leader = client.cluster.leader_for_partition(partition)
    if leader is None or leader < 0:
        raise KafkaError(f"{_name(partition)} has no leader")
    return int(leader)


def _name(partition: TopicPartition) -> str:
    return f"{partition.topic}[{partition.partition}]"


def _raise_for(error_code: int, about: str) -> None:
    if error_code:
        raise for_code(error_code)(about)
