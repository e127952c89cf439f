"""Subscribers alike follow one stream of their audience; each keeps its own mailbox.

The stream itself (``SharedStreams``) is tested with sources the test drives; who shares
one (``HubSchema``) with the hub over WebSockets, counting the live stream's subscribers:
one shared stream is one of them, however many sockets follow it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from graphql import GraphQLError
from starlette.applications import Starlette
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionResult
from websockets.asyncio.client import ClientConnection

from hub.app import create_app
from hub.cli.websocket import websocket_protocol
from hub.config import Settings
from hub.events import LiveEvents
from hub.registry import store
from hub.security.settings import RateLimit
from schema.shared_streams import DIRECT_WRITER, Audience, SharedStreams
from tests.conftest import running
from tests.hub.http.test_transports import ws_call, ws_receive
from tests.schema.test_abuse_limits import settings_with
from tests.schema.test_event_graph import report_input
from tests.support.events import INSIDE, eventually
from tests.support.live import graphql_ws, live_server
from tests.support.principals import GRID_A, GRID_B, bearer

AUDIENCE = Audience("subscription { steps }", None, "null", "command centre", "key", None)


class Source:
    """A stream the test drives: each id put in ``items`` becomes one result."""

    def __init__(self) -> None:
        self.items: asyncio.Queue[str] = asyncio.Queue()
        self.last: str | None = None
        self.opened = 0
        self.closed = 0

    async def start(self) -> StreamResult:
        self.opened += 1
        return self._results()

    async def _results(self) -> StreamResult:
        try:
            while (item := await self.items.get()) != "end":
                self.last = item
                yield ExecutionResult(data={"steps": item}, errors=None)
        finally:
            self.closed += 1


def refuse(error: Exception) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(str(error), original_error=error)])


def follow(streams: SharedStreams, source: Source, limit: int = 10) -> StreamResult:
    return streams.follow(AUDIENCE, source.start, lambda: source.last, limit=limit, refuse=refuse)


async def taken(results: StreamResult, count: int) -> list[Any]:
    return [(await anext(results)).data for _ in range(count)]  # type: ignore[union-attr]


async def joined(*followers: StreamResult) -> list[asyncio.Task[Any]]:
    """Each follower's first result, pending: a follower joins on its first step."""
    pending = [asyncio.create_task(anext(f)) for f in followers]
    await asyncio.sleep(0)
    return pending


async def two_following(
    streams: SharedStreams, source: Source, limit: int = 10
) -> tuple[StreamResult, StreamResult, list[ExecutionResult]]:
    """Two followers of one audience (the second with ``limit``), and what e1 gave each."""
    first, second = follow(streams, source), follow(streams, source, limit)
    pending = await joined(first, second)
    await source.items.put("e1")
    return first, second, list(await asyncio.gather(*pending))


async def test_followers_of_one_audience_get_the_same_results_from_one_source() -> None:
    streams, source = SharedStreams(), Source()
    first, second, (one, other) = await two_following(streams, source)
    assert one is other  # executed once, handed to both
    assert one.data == {"steps": "e1"}
    assert (source.opened, len(streams)) == (1, 1)
    await first.aclose()
    await second.aclose()


async def test_a_follower_that_never_starts_joins_nothing() -> None:
    streams, source = SharedStreams(), Source()
    await follow(streams, source).aclose()
    assert (source.opened, len(streams)) == (0, 0)


async def test_one_that_falls_behind_is_cut_off_naming_the_last_it_took() -> None:
    streams, source = SharedStreams(), Source()
    prompt, slow, _ = await two_following(streams, source, limit=2)
    for item in ("e2", "e3", "e4"):
        await source.items.put(item)
    assert await taken(prompt, 3) == [{"steps": f"e{n}"} for n in range(2, 5)]
    refusal = cast("ExecutionResult", await anext(slow))
    assert refusal.data is None
    assert refusal.errors is not None
    assert refusal.errors[0].original_error.extensions == {  # type: ignore[union-attr]
        "code": "SUBSCRIPTION_OVERFLOW",
        "lastEventId": "e1",
    }
    assert [r async for r in slow] == []  # and then it ends
    await source.items.put("e5")
    assert await taken(prompt, 1) == [{"steps": "e5"}]  # the others go on
    await prompt.aclose()


async def test_the_last_follower_to_leave_closes_the_source() -> None:
    streams, source = SharedStreams(), Source()
    first, second, _ = await two_following(streams, source)
    await first.aclose()
    assert (source.closed, len(streams)) == (0, 1)
    await second.aclose()
    await asyncio.sleep(0)  # the source closes as its task is cancelled
    assert (source.closed, len(streams)) == (1, 0)
    later = follow(streams, source)
    (pending,) = await joined(later)
    await source.items.put("e2")
    assert (await pending).data == {"steps": "e2"}
    assert source.opened == 2
    await later.aclose()


async def test_a_source_that_ends_ends_every_follower() -> None:
    streams, source = SharedStreams(), Source()
    first, second, given = await two_following(streams, source)
    await source.items.put("end")
    assert [r.data for r in given] == [{"steps": "e1"}] * 2
    assert [r async for r in first] == []
    assert [r async for r in second] == []
    assert (source.closed, len(streams)) == (1, 0)


async def test_a_source_that_fails_ends_every_follower_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> StreamResult:
        raise RuntimeError("the stream could not be opened")

    streams = SharedStreams()
    first, second = (
        streams.follow(AUDIENCE, broken, lambda: None, limit=10, refuse=refuse) for _ in "12"
    )
    pending = await joined(first, second)
    ended = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 5)
    assert [type(e) for e in ended] == [StopAsyncIteration] * 2  # they complete, at once
    assert len(streams) == 0
    assert "a shared subscription stream failed" in caplog.text


class Socket:
    """A follower's connection that takes a result at once while it is not backed up."""

    def __init__(self) -> None:
        self.written: list[Any] = []
        self.backed_up = False

    def write(self, result: ExecutionResult) -> bool:
        if not self.backed_up:
            self.written.append(result.data)
        return not self.backed_up


def follow_on(socket: Socket, streams: SharedStreams, source: Source) -> StreamResult:
    """A follower whose operation's transport writes to ``socket`` at once."""
    token = DIRECT_WRITER.set(socket.write)
    try:
        return follow(streams, source)
    finally:
        DIRECT_WRITER.reset(token)


async def left(waiting: asyncio.Task[Any], follower: StreamResult) -> None:
    """The follower gone while it waited, as when its client leaves."""
    waiting.cancel()
    with suppress(asyncio.CancelledError):
        await waiting
    await follower.aclose()


async def test_the_stream_writes_to_a_waiting_followers_socket_itself() -> None:
    streams, source, socket = SharedStreams(), Source(), Socket()
    follower = follow_on(socket, streams, source)
    (waiting,) = await joined(follower)
    for item in ("e1", "e2"):
        await source.items.put(item)
    await eventually(lambda: len(socket.written) == 2)
    assert socket.written == [{"steps": "e1"}, {"steps": "e2"}]
    assert not waiting.done()  # its task was never woken for them
    await left(waiting, follower)


async def test_behind_a_backed_up_socket_or_a_send_results_keep_their_order() -> None:
    streams, source, socket = SharedStreams(), Source(), Socket()
    follower = follow_on(socket, streams, source)
    (waiting,) = await joined(follower)
    socket.backed_up = True
    await source.items.put("e1")
    assert (await waiting).data == {"steps": "e1"}  # through its mailbox and its task
    socket.backed_up = False
    await source.items.put("e2")  # its task is still sending e1: e2 waits behind it
    await eventually(lambda: source.last == "e2")
    assert socket.written == []
    assert await taken(follower, 1) == [{"steps": "e2"}]
    (waiting,) = await joined(follower)  # back for more, nothing on its way: written
    await source.items.put("e3")
    await eventually(lambda: socket.written == [{"steps": "e3"}])
    await left(waiting, follower)


# -- who shares a stream -------------------------------------------------------------------

STEPS = "subscription { gridEvents { step eventId } }"
PLACES = "subscription { gridEvents(filter: {statuses: [REPORTED]}) { eventId gridCode } }"
CONTACTS = "subscription { gridEvents { step event { reporter { phone } } } }"
REPORT = "mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"


@dataclass
class Served:
    """The hub on a live server, with sockets that close with it."""

    app: Starlette
    address: str
    sockets: AsyncExitStack

    @property
    def live(self) -> LiveEvents:
        return self.app.state.services.bus.live  # type: ignore[no-any-return]

    @property
    def streams(self) -> int:
        return len(self.app.state.schema.shared_streams)

    async def subscribed(self, key: str, query: str) -> ClientConnection:
        ws = await self.sockets.enter_async_context(graphql_ws(self.address))
        await ws_call(ws, {"type": "connection_init", "payload": bearer(key, purpose="tests")})
        assert await ws_receive(ws) == {"type": "connection_ack"}
        await ws_call(ws, {"id": "s", "type": "subscribe", "payload": {"query": query}})
        return ws

    async def subscribers(self, count: int) -> None:
        """Until the live stream has ``count`` subscribers: one for each stream."""
        await eventually(lambda: len(self.live.subscribers) == count, within=10)

    async def reported(self, key: str, at: tuple[float, float] = INSIDE) -> str:
        """Reports an event at ``at``; its id."""
        body = {"query": REPORT, "variables": {"i": report_input(at=at)}}
        async with httpx.AsyncClient(base_url=f"http://{self.address}") as http:
            answer = (await http.post("/graphql", json=body, headers=bearer(key))).json()
        assert "errors" not in answer, answer
        return answer["data"]["reportEvent"]["id"]  # type: ignore[no-any-return]

    async def reported_at(self, key: str, grid: str) -> str:
        """Reports an event at ``grid``'s centre; its id."""
        async with self.app.state.services.database.session() as session:
            region = (await store.regions(session, (grid,)))[grid]
        return await self.reported(key, (region.centroid_lat, region.centroid_lon))

    async def reported_to(self, key: str, sockets: list[ClientConnection]) -> list[Any]:
        """Reports an event; the first update each socket receives."""
        await self.reported(key)
        return [(await ws_receive(ws))["payload"] for ws in sockets]


@pytest.fixture
async def served(town_settings: Settings) -> AsyncIterator[Served]:
    app = create_app(town_settings)
    async with live_server(app) as address, AsyncExitStack() as sockets:
        await asyncio.wait_for(app.state.services.bus.live.ready.wait(), 10)
        yield Served(app, address, sockets)


async def test_screens_alike_share_one_stream_and_others_have_their_own(
    served: Served, keys: dict[str, str]
) -> None:
    first = await served.subscribed(keys["command"], STEPS)  # runs alone
    await served.subscribers(1)
    screens = [await served.subscribed(keys["command"], STEPS) for _ in range(3)]
    other = await served.subscribed(keys["dashboard"], STEPS)
    await served.subscribers(3)  # the first, the three screens', the other key's
    assert served.streams == 2
    metrics = served.app.state.services.metrics.registry
    assert metrics.get_sample_value("hub_subscription_streams") == 2
    assert metrics.get_sample_value("hub_subscription_followers") == 4
    updates = await served.reported_to(keys["command"], [first, *screens, other])
    assert {u["data"]["gridEvents"]["step"] for u in updates} == {"REPORTED"}
    assert len({u["data"]["gridEvents"]["eventId"] for u in updates}) == 1


async def test_a_grid_workers_shared_stream_holds_only_their_own_grids_events(
    served: Served, keys: dict[str, str]
) -> None:
    alone = await served.subscribed(keys["grid_worker"], PLACES)
    await served.subscribers(1)
    shared = await served.subscribed(keys["grid_worker"], PLACES)
    await served.subscribers(2)
    assert served.streams == 1
    await served.reported_at(keys["command"], GRID_B)  # never theirs
    theirs = await served.reported_at(keys["command"], GRID_A)
    for ws in (alone, shared):
        update = (await ws_receive(ws))["payload"]["data"]["gridEvents"]
        assert update == {"eventId": theirs, "gridCode": GRID_A}


async def test_a_document_that_reads_personal_data_unmasked_is_never_shared(
    served: Served, keys: dict[str, str]
) -> None:
    sockets = [await served.subscribed(keys["command"], CONTACTS) for _ in range(3)]
    await served.subscribers(3)
    assert served.streams == 0
    updates = await served.reported_to(keys["command"], sockets)
    phones = {u["data"]["gridEvents"]["event"]["reporter"]["phone"] for u in updates}
    assert phones == {"13900000000"}  # unmasked, so each read is audited as its own


async def test_a_follower_leaving_keeps_the_stream_for_the_others(
    served: Served, keys: dict[str, str]
) -> None:
    await served.subscribed(keys["command"], STEPS)
    leaving = await served.subscribed(keys["command"], STEPS)
    staying = await served.subscribed(keys["command"], STEPS)
    await served.subscribers(2)
    await ws_call(leaving, {"id": "s", "type": "complete"})
    await asyncio.sleep(0.1)
    assert served.streams == 1
    (update,) = await served.reported_to(keys["command"], [staying])
    assert update["data"]["gridEvents"]["step"] == "REPORTED"
    await ws_call(staying, {"id": "s", "type": "complete"})
    await eventually(lambda: served.streams == 0, within=10)
    await served.subscribers(1)


async def test_each_follower_is_charged_the_rate_limit_as_if_alone(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    settings = settings_with(town_settings, rate_limit=RateLimit(per_second=0.01, burst=3))
    async with running(settings) as app, live_server(app, lifespan="off") as address:
        async with graphql_ws(address) as ws:
            await ws_call(ws, {"type": "connection_init", "payload": bearer(keys["dashboard"])})
            assert await ws_receive(ws) == {"type": "connection_ack"}
            for op in "1234":  # the first runs alone; the others follow its audience
                await ws_call(ws, {"id": op, "type": "subscribe", "payload": {"query": STEPS}})
            refused, then = await ws_receive(ws), await ws_receive(ws)
        assert len(app.state.schema.shared_streams) == 0  # closed as its followers left
    assert (refused["id"], refused["type"]) == ("4", "next")  # as a subscription alone is
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert then == {"id": "4", "type": "complete"}


async def test_over_hub_serves_own_protocol_the_stream_writes_each_update_itself(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    written: list[dict[str, Any]] = []
    served_as: Any = websocket_protocol(1024)  # the protocol ``hub serve`` gives uvicorn

    class Counting(served_as):  # type: ignore[misc]
        def send_text_now(self, text: str) -> bool:
            sent: bool = super().send_text_now(text)
            if sent:
                written.append(json.loads(text))
            return sent

    app = create_app(town_settings)
    async with live_server(app, ws=Counting) as address, AsyncExitStack() as sockets:
        await asyncio.wait_for(app.state.services.bus.live.ready.wait(), 10)
        served = Served(app, address, sockets)
        first = await served.subscribed(keys["command"], STEPS)  # its document's first: alone
        await served.subscribers(1)
        screens = [await served.subscribed(keys["command"], STEPS) for _ in range(2)]
        await served.subscribers(2)
        updates = await served.reported_to(keys["command"], [first, *screens])
    reported = [m for m in written if m["payload"]["data"]["gridEvents"]["step"] == "REPORTED"]
    assert reported == [{"id": "s", "type": "next", "payload": u} for u in updates[1:]]
