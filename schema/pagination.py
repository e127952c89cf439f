"""Relay-style connections with opaque keyset cursors.

A cursor encodes the last key seen, not an offset, so pages stay correct while
rows are added or removed between requests.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from hub.core.errors import BadUserInputError

_PREFIX = "k:"


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_PREFIX + key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_PREFIX):
        raise BadUserInputError("not a cursor from this API", argument="after")
    return text[len(_PREFIX) :]


def check_page_size(first: int, maximum: int) -> None:
    if not 0 <= first <= maximum:
        raise BadUserInputError(f"first must be between 0 and {maximum}", argument="first")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


CountFn = Callable[[], Awaitable[int]]
NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    count: strawberry.Private[CountFn]

    @classmethod
    def of(
        cls, edges: list[Edge[NodeT]], has_next: bool, after: str | None, count: CountFn
    ) -> Connection[NodeT]:
        """A page of ``edges``, the one after the cursor ``after`` (None: the first)."""
        page_info = PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )
        return cls(edges=edges, page_info=page_info, count=count)

    @strawberry.field(description="All matching items, not just this page.")
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of_rows(
        cls,
        rows: Sequence[RowT],
        first: int,
        after: str | None,
        key: Callable[[RowT], str],
        node: Callable[[RowT], NodeT],
        count: CountFn,
    ) -> Connection[NodeT]:
        """A page from ``first + 1`` rows fetched after ``after``; an extra row: more follow."""
        edges = [Edge(cursor=encode_cursor(key(r)), node=node(r)) for r in rows[:first]]
        return cls.of(edges, len(rows) > first, after, count)
