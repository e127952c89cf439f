"""The standard test suite every connector gets in one line, as Singer's ``get_tap_test_class``:

    TestPolice = connector_test_class(
        PoliceConnector,
        simulator=police_simulator.create_app,
        credentials={"api_key": police_simulator.DEMO_API_KEY},
        examples=CONTRACTS / "police" / "examples",
    )

Each test serves the connector's simulator on a loopback port and drives it through
the simulator's admin API, so the connector meets real HTTP: contract examples
validate and map; pagination terminates; credentials are refused cleanly and tokens
refresh; retries stop; the breaker opens and recovers; mapping round-trips.

Every call the suite makes asks for every record: a stream's time window, plus what
its area model asks for everywhere (``AreaModel.everywhere()``: the whole globe for a
bounding box), plus the ``stream_params`` given for it. The auth, retry and breaker
checks read ``checked_stream`` (by default the first stream in the graph).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import strawberry
from starlette.types import ASGIApp
from strawberry.tools import merge_types
from ulid import ULID

from connectors.sdk import (
    BreakerState,
    Call,
    Connector,
    ConnectorSettings,
    GridScheme,
    OAuth2ClientCredentials,
    Params,
    Record,
    Stream,
    UpstreamError,
    UpstreamUnavailableError,
    dig,
)
from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN, serve
from hub.core.workorders import (
    ChangeFeed,
    UpstreamChange,
    WorkOrder,
    WorkOrderRefusedError,
    WorkOrderSink,
)
from schema.connectors import grid_mixins, query_mixins

ADMIN_HEADER = "X-Admin-Token"
Maker = Callable[..., Connector]


@dataclass
class ManualClock:
    """Monotonic seconds the test moves: token expiry and breaker resets without sleeping."""

    now: float = field(default_factory=time.monotonic)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Simulator:
    """A served simulator and its admin API (faults, request counts)."""

    url: str
    admin: httpx.AsyncClient

    async def faults(self, **faults: Any) -> None:
        (await self.admin.post("/_admin/faults", json=faults)).raise_for_status()

    async def clear(self) -> None:
        (await self.admin.delete("/_admin/faults")).raise_for_status()

    async def requests(self) -> int:
        """Requests its API has received since the last reset (admin calls excluded)."""
        answer = await self.admin.get("/_admin/stats")
        answer.raise_for_status()
        return int(answer.json()["total"])

    async def reset(self) -> None:
        (await self.admin.post("/_admin/stats/reset")).raise_for_status()


@asynccontextmanager
async def served(app: ASGIApp, admin_token: str = DEFAULT_ADMIN_TOKEN) -> AsyncIterator[Simulator]:
    """``app`` on a loopback port, its faults cleared and its counts zeroed."""
    async with serve({"upstream": app}) as urls:
        url = urls["upstream"]
        headers = {ADMIN_HEADER: admin_token}
        async with httpx.AsyncClient(base_url=url, headers=headers) as admin:
            simulator = Simulator(url, admin)
            await simulator.clear()
            await simulator.reset()
            yield simulator


@dataclass(frozen=True)
class Example:
    name: str
    method: str
    path: str
    status: int
    body: Any


def examples(folder: Path) -> list[Example]:
    """The recorded exchanges in ``folder`` (the format of contracts/upstream/README.md)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        exchange = json.loads(path.read_text(encoding="utf-8"))
        request, response = exchange["request"], exchange["response"]
        found.append(
            Example(
                exchange.get("name", path.stem),
                request["method"],
                request["path"],
                response["status"],
                response["body"],
            )
        )
    return found


def connector_test_class(  # noqa: C901, PLR0913 - one suite, many short tests; keyword-only knobs
    connector: type[Connector],
    *,
    simulator: Callable[[], ASGIApp],
    credentials: Mapping[str, str],
    examples: Path,
    window_days: int = 7,
    page_size: int = 10,
    work_orders: WorkOrderCases | None = None,
    checked_stream: str | None = None,
    stream_params: Mapping[str, Params] | None = None,
) -> type:
    """A pytest class with the standard suite for ``connector`` against ``simulator``.

    ``window_days`` bounds the records the pagination test walks; ``page_size`` is small
    so that walk takes several pages. ``work_orders``, for a connector that takes work
    orders from the bus, adds the tests of its ``WorkOrderSink`` and ``ChangeFeed``.
    ``checked_stream`` names the stream the auth, retry and breaker checks read;
    ``stream_params`` gives, by stream name, parameters a system needs on every list
    call beyond a time window and an area.
    """
    app_of = cache(simulator)  # one seeded simulator per suite: building one takes a while
    streams = [s for s in connector.streams if s.graph_name or s.lookup_name]
    extra = dict(stream_params or {})

    def unfiltered(stream: type[Stream], since: datetime | None = None) -> dict[str, Any]:
        """Everything ``stream`` holds (since ``since``), in the system's parameters."""
        return {
            **stream.area.everywhere(),
            **extra.get(stream.name, {}),
            **stream.window(since, None),
        }

    def settings(url: str, **changes: Any) -> ConnectorSettings:
        values: dict[str, Any] = {
            "base_url": url,
            "credentials": dict(credentials),
            "backoff_seconds": 0.0,
            "cache_ttl_seconds": 0.0,
            "timeout_seconds": 2.0,
            **changes,
        }
        return ConnectorSettings.model_validate(values)

    def checked() -> type[Stream]:
        return _checked(connector, streams, checked_stream)

    async def records(made: Connector, stream: type[Stream]) -> list[Record]:
        since = datetime.now(UTC) - timedelta(days=window_days)
        return await made.fetch(stream, Call.within(30.0), unfiltered(stream, since))

    async def authenticated(made: Connector, stream: type[Stream]) -> None:
        """One good call first, so a token is at hand before the faults begin."""
        await made.fetch(stream, Call.within(30.0), unfiltered(stream, datetime.now(UTC)))

    class StandardConnectorTests:
        @pytest.fixture
        async def upstream(self) -> AsyncIterator[Simulator]:
            async with served(app_of()) as running:
                yield running

        @pytest.fixture
        def clock(self) -> ManualClock:
            return ManualClock()

        @pytest.fixture
        async def make(
            self, upstream: Simulator, clock: ManualClock
        ) -> AsyncIterator[Callable[..., Connector]]:
            """Connectors to the served simulator, on the test's clock, closed afterwards."""
            made: list[Connector] = []

            def factory(**changes: Any) -> Connector:
                made.append(connector(settings(upstream.url, **changes), clock=clock))
                return made[-1]

            yield factory
            for each in made:
                await each.aclose()

        def test_every_upstream_status_has_a_lifecycle_status(self) -> None:
            made = connector(ConnectorSettings())
            assert made.status_schema is not None, "name the contract's status enum"
            schema = made.contract.document["components"]["schemas"][made.status_schema]
            unmapped = [s for s in schema["enum"] if made.statuses.lifecycle(s) is None]
            assert unmapped == [], f"statuses.yaml lacks {unmapped}"

        def test_its_fields_compose_into_the_graph(self) -> None:
            sdl = composed_sdl(connector)
            scope = f'@requiresScopes(scopes: [["dept:read:{connector.department}"]])'
            for stream in streams:
                for name in (stream.graph_name, stream.lookup_name):
                    if name:
                        assert f"  {_camel(name)}(" in sdl, f"{name} is not in the graph"
            assert sdl.count(scope) == sum(
                bool(s.graph_name) + bool(s.lookup_name) for s in streams
            )
            fields = [line for line in sdl.splitlines() if line.startswith("  ")]
            personal = [line for line in fields if "@personal(" in line]
            assert all(f'department: "{connector.department}"' in line for line in personal)

        def test_contract_examples_validate_and_map(self) -> None:
            made = connector(ConnectorSettings())
            found = _examples_of(examples)
            for example in found:
                operation = made.contract.match(example.method, example.path)
                assert operation is not None, f"{example.name}: no operation serves it"
                violation = made.contract.validate_response(
                    operation.operation_id, example.status, example.body
                )
                assert violation is None, f"{example.name}: {violation}"
            mapped = [
                (stream, record)
                for example in found
                for stream in streams
                for record in _example_records(stream, made, example)
            ]
            assert mapped, "no example holds a record of any stream"
            for stream, record in mapped:
                node = stream.mapping.to_node(record, **_placement(made))
                assert stream.mapping.mismatches(record, node) == []

        async def test_pagination_terminates(self, upstream: Simulator, make: Maker) -> None:
            for stream in streams:
                whole = await records(make(), stream)
                small = make(page_size=page_size, max_pages=10_000)
                await upstream.reset()
                paged = await records(small, stream)
                keys = [stream.key(record) for record in paged]
                assert len(keys) == len(set(keys)), f"{stream.name}: a record came twice"
                assert sorted(keys) == sorted(stream.key(r) for r in whole)
                if len(paged) > page_size:
                    assert await upstream.requests() > 1, f"{stream.name}: it never paged"

        async def test_credentials_are_refused_cleanly_and_tokens_refresh(
            self, upstream: Simulator, clock: ManualClock, make: Maker
        ) -> None:
            stream = checked()
            wrong = {key: f"wrong-{value}" for key, value in credentials.items()}
            refused = make(credentials=wrong)
            with pytest.raises(UpstreamUnavailableError) as failure:
                await records(refused, stream)
            told = f"{failure.value} {failure.value.extensions}"
            assert not [secret for secret in wrong.values() if secret in told]
            made = make()
            await records(made, stream)
            auth = made.client.auth
            if isinstance(auth, OAuth2ClientCredentials):
                fetched = auth.fetches
                clock.advance(24 * 3600)  # every token has expired by now
                await records(made, stream)
                assert auth.fetches == fetched + 1

        async def test_retries_stop(self, upstream: Simulator, make: Maker) -> None:
            made = make(retries=2, breaker_failures=100)
            await authenticated(made, checked())
            await upstream.faults(error_rate=1.0, error_status=503)
            await upstream.reset()
            with pytest.raises(UpstreamUnavailableError) as failure:
                await records(made, checked())
            assert failure.value.extensions["code"] == "UPSTREAM_UNAVAILABLE"
            assert await upstream.requests() == 3

        async def test_the_breaker_opens_and_recovers(
            self, upstream: Simulator, clock: ManualClock, make: Maker
        ) -> None:
            made = make(retries=0, breaker_failures=3)
            await authenticated(made, checked())
            await upstream.faults(error_rate=1.0)
            for _ in range(3):
                with pytest.raises(UpstreamError):
                    await records(made, checked())
            assert _state(made) is BreakerState.OPEN
            await upstream.reset()
            with pytest.raises(UpstreamUnavailableError):
                await records(made, checked())
            assert await upstream.requests() == 0  # failed fast, at home
            await upstream.clear()
            clock.advance(made.settings.breaker_reset_seconds)
            assert _state(made) is BreakerState.HALF_OPEN
            await records(made, checked())
            assert _state(made) is BreakerState.CLOSED

        async def test_mapping_round_trips(self, make: Maker) -> None:
            # Every record the simulator holds, however loaded the machine: this reads far
            # more than a query's budget allows, on purpose.
            made = make(max_pages=1000, budget_seconds=120.0)
            for stream in streams:
                found = await made.fetch(stream, Call.within(120.0), unfiltered(stream))
                assert found, f"{stream.name}: the simulator served no records to map"
                for record in found:
                    node = stream.mapping.to_node(record, **_placement(made))
                    assert stream.mapping.mismatches(record, node) == [], stream.key(record)

    class WorkOrderTests:
        """The ``WorkOrderSink`` and ``ChangeFeed`` the bus relies on."""

        cases: ClassVar[WorkOrderCases]

        def sink(self, make: Maker) -> Any:
            made = make()
            made.scheme = self.cases.scheme
            return made

        async def test_an_order_is_created_once_per_event(self, make: Maker) -> None:
            sink: WorkOrderSink = self.sink(make)
            event = str(ULID())
            first = await sink.create_work_order(self.cases.accepted(event))
            again = await sink.create_work_order(self.cases.accepted(event))
            assert first == again
            assert first.system == connector.name

        async def test_a_refused_order_is_not_worth_retrying(self, make: Maker) -> None:
            sink: WorkOrderSink = self.sink(make)
            with pytest.raises(WorkOrderRefusedError):
                await sink.create_work_order(self.cases.refused(str(ULID())))

        async def test_the_change_feed_reports_a_created_order(self, make: Maker) -> None:
            made = self.sink(make)
            event = str(ULID())
            created = await made.create_work_order(self.cases.accepted(event))
            change = await _find_change(made, event, self.cases.feed_pages)
            assert change.upstream_id == created.id
            assert made.statuses.lifecycle(change.status) is not None, change.status

    if work_orders is None:
        suite: type = StandardConnectorTests
    else:
        WorkOrderTests.cases = work_orders
        suite = type("Suite", (StandardConnectorTests, WorkOrderTests), {})
    suite.__name__ = f"Test{connector.__name__}Standard"
    return suite


@dataclass(frozen=True)
class WorkOrderCases:
    """Orders to drive a connector's ``WorkOrderSink`` and ``ChangeFeed`` with."""

    accepted: Callable[[str], WorkOrder]  # an order the system takes, for an event id
    refused: Callable[[str], WorkOrder]  # one it refuses as not its business
    scheme: GridScheme | None = None  # for a connector that needs the crosswalk to file it
    feed_pages: int = 60  # how far the change feed may be walked to find an order


async def _find_change(feed: ChangeFeed, event: str, pages: int) -> UpstreamChange:
    cursor = None
    for _ in range(pages):
        changes, following = await feed.changes(cursor)
        found = [change for change in changes if change.event_id == event]
        if found:
            return found[0]
        if not changes or following == cursor:
            break
        cursor = following
    raise AssertionError(f"the change feed never reported event {event}")


def _examples_of(folder: Path) -> list[Example]:
    found = examples(folder)
    assert found, f"no recorded examples in {folder}"
    return found


def _example_records(stream: type[Stream], made: Connector, example: Example) -> Iterator[Record]:
    if example.status != httpx.codes.OK or example.method != "GET":
        return
    operation = made.contract.match(example.method, example.path)
    if operation is None:
        return
    if operation.operation_id == stream.operation:
        yield from dig(example.body, stream.records_path) or []
    elif operation.operation_id == stream.item_operation:
        path = stream.item_record_path
        yield dig(example.body, path) if path else example.body


def _placement(made: Connector) -> dict[str, Any]:
    return {
        "department": made.department,
        "grid_code": "000000000000000",
        "department_grid": None,
        "approximate": False,
        "lifecycle_status": None,
    }


def _checked(
    connector: type[Connector], streams: list[type[Stream]], name: str | None
) -> type[Stream]:
    """The stream the auth, retry and breaker checks read: the one named, or the first."""
    if name is None:
        if not streams:
            raise ValueError(f"{connector.__name__} has no stream in the graph to check")
        return streams[0]
    found = [stream for stream in connector.streams if stream.name == name]
    if not found:
        raise ValueError(f"{connector.__name__} has no stream named {name!r}")
    return found[0]


def _state(made: Connector) -> BreakerState:
    return made.client.breaker.state


def composed_sdl(connector: type[Connector]) -> str:
    """The SDL of a small schema holding just ``connector``'s contributions."""
    grid = strawberry.type(
        type("Grid", grid_mixins([connector]), {"__annotations__": {"code": str}})
    )
    root = strawberry.type(
        type("GridRoot", (), {"__annotations__": {"grid": grid | None}, "grid": None})
    )
    query = merge_types("Query", (root, *query_mixins([connector])))
    return strawberry.federation.Schema(query=query).as_str()


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)
