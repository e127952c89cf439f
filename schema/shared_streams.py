"""One stream for each audience of a subscription, not one for each subscriber.

Subscribers alike in everything their results depend on (the document and operation,
the variables, who asks with which credential, and why) would be sent the same
results: the command centre's screens on one key follow ``gridEvents`` with one
document. They follow one stream. Its selection executes once an update, its results
are classified and counted once, and each follower is handed the same result object,
so what is left for each is its transport's send.

Each follower has a mailbox of ``limit`` results. One that falls that far behind is
cut off with SUBSCRIPTION_OVERFLOW naming the last item it was given (what the stream
last put in ``HubContext.last_given``), as the live stream cuts off a lone subscriber;
the others do not wait for it. The stream stops when its last follower leaves, and a
stream that ends (its source completed or failed) ends for every follower.

Which subscriptions may be shared is ``HubSchema``'s decision: not one whose results
owe the audit trail a read, because each subscriber's reads are audited as its own.

A follower whose transport can write a result at once (``DIRECT_WRITER``, set by the
WebSocket handler for the operation it runs) is written to by the stream itself, in
the stream's turn, while its mailbox is empty and it is not sending one: at 5,000
followers, waking each one's task to hand it the result and sending it down the ASGI
layers was most of a message's cost. One whose socket is backed up, or whose task is
sending, gets the result in its mailbox as before, so its results stay in order and
the same limit cuts it off.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import NamedTuple, TypeAlias

from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionResult

from hub.events import SubscriberOverflowError

log = logging.getLogger(__name__)

Start: TypeAlias = Callable[[], Awaitable[StreamResult]]
Given: TypeAlias = Callable[[], str | None]  # the id of the item the last result was made of
Refuse: TypeAlias = Callable[[Exception], ExecutionResult]  # one follower's refusal
Writer: TypeAlias = Callable[[ExecutionResult], bool]  # True: written to the connection

# How the operation running in this task can have a result written at once, if it can.
DIRECT_WRITER: ContextVar[Writer | None] = ContextVar("direct_writer", default=None)


class Audience(NamedTuple):
    """Everything a subscription's results depend on."""

    query: str
    operation_name: str | None
    variables: str  # as canonical JSON
    principal: Hashable  # its scopes and grids decide row filters, masking and scopes
    credential: str | None  # a revoked or expired one ends the stream
    purpose: str | None


class SharedStreams:
    """The open streams of one process, by audience."""

    def __init__(self) -> None:
        self._open: dict[Audience, _Stream] = {}

    def __len__(self) -> int:
        return len(self._open)

    @property
    def followers(self) -> int:
        return sum(len(stream.followers) for stream in self._open.values())

    def follow(
        self, audience: Audience, start: Start, given: Given, *, limit: int, refuse: Refuse
    ) -> StreamResult:
        """The results of ``audience``'s stream from its first step on. When none is open,
        ``start`` opens one, and ``given`` tells after each result where it came from."""
        follower = _Follower(limit, DIRECT_WRITER.get())
        return self._following(audience, start, given, follower, refuse)

    async def _following(
        self, audience: Audience, start: Start, given: Given, follower: _Follower, refuse: Refuse
    ) -> StreamResult:
        stream = self._joined(audience, start, given, follower)  # first step: never a leak
        try:
            while True:
                try:
                    result = await follower.take()
                except SubscriberOverflowError as overflow:
                    yield refuse(overflow.client_error())
                    return
                if result is None:
                    return
                yield result
        finally:
            stream.leave(follower)

    def _joined(
        self, audience: Audience, start: Start, given: Given, follower: _Follower
    ) -> _Stream:
        stream = self._open.get(audience)
        if stream is None:
            stream = self._open[audience] = _Stream(given, lambda: self._closed(audience))
            stream.start(start)
        stream.followers.add(follower)
        return stream

    def _closed(self, audience: Audience) -> None:
        del self._open[audience]


class _Stream:
    def __init__(self, given: Given, on_close: Callable[[], None]) -> None:
        self.given = given
        self.followers: set[_Follower] = set()
        self._on_close = on_close
        self._task: asyncio.Task[None] | None = None
        self._open = True

    def start(self, start: Start) -> None:
        self._task = asyncio.create_task(self._pump(start), name="shared subscription stream")

    def leave(self, follower: _Follower) -> None:
        self.followers.discard(follower)
        if not self.followers and self._open:
            self._close()
            if self._task is not None:
                self._task.cancel()

    async def _pump(self, start: Start) -> None:
        results: StreamResult | None = None
        try:
            results = await start()
            async for result in results:
                assert isinstance(result, ExecutionResult)  # a subscription's never is incremental
                given = self.given()
                for follower in list(self.followers):
                    follower.offer(result, given)
        except Exception:  # the source classifies its own errors; this is a defect
            log.exception("a shared subscription stream failed")
        finally:
            if self._open:
                self._close()
            if results is not None:
                await results.aclose()

    def _close(self) -> None:
        """No one joins from now on; everyone following is told the stream has ended."""
        self._open = False
        self._on_close()
        for follower in self.followers:
            follower.end()


class _Follower:
    __slots__ = ("_waiter", "cut_off", "ended", "given", "limit", "results", "sending", "write")

    def __init__(self, limit: int, write: Writer | None = None) -> None:
        self.limit = limit
        self.write = write
        self.results: deque[tuple[ExecutionResult, str | None]] = deque()
        self.given: str | None = None  # where the last result taken or written came from
        self.ended = False
        self.cut_off = False
        self.sending = False  # its task took a result and has not come back for the next
        self._waiter: asyncio.Future[None] | None = None

    def offer(self, result: ExecutionResult, given: str | None) -> None:
        if self.cut_off:
            return
        if self._written(result):
            self.given = given
            return
        if len(self.results) >= self.limit:
            self.cut_off = True
            self.results.clear()  # what it was sent but never took
        else:
            self.results.append((result, given))
        self._wake()

    def end(self) -> None:
        self.ended = True
        self._wake()

    def _written(self, result: ExecutionResult) -> bool:
        """Written to the connection at once, when nothing before it is still on its way."""
        if self.write is None or self.results or self.sending:
            return False
        return self.write(result)

    async def take(self) -> ExecutionResult | None:
        """The next result; None once the stream has ended. Raises when cut off."""
        self.sending = False  # asked again: the last one it took has been sent
        while not self.results:
            if self.cut_off:
                raise SubscriberOverflowError(self.given)
            if self.ended:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        result, self.given = self.results.popleft()
        self.sending = True
        return result

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
