"""Traces: a query is one trace from the graph to the department's system, an event one
trace from the intake round the bus, and with tracing off (the default) there are none.

Spans go to OpenTelemetry's in-memory exporter; the upstream requests are seen by respx
passing them through to the department simulators, so their headers can be read.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
import respx
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hub.config import Settings, load_settings
from hub.core import telemetry
from hub.core.telemetry import TelemetrySettings
from hub.core.workorders import LifecycleStatus
from hub.demo.departments import pointed_at
from hub.events import GridEventType, ledger
from tests.conftest import GraphQLClient, TownBus
from tests.support.departments import Departments, wired_app
from tests.support.events import INSIDE, FakeSink, collect, eventually, report, running
from tests.support.principals import bearer
from tests.support.simulators import HISTORY_END

GRID = "330199001001001"
INCIDENTS = (
    'query OneGrid($since: DateTime!) { grid(code: "' + GRID + '") {'
    " incidents(where: {since: $since}, first: 5) { totalCount } } }"
)
CALLER_TRACE, CALLER_SPAN = 0x4BF92F3577B34DA6A3CE929D0E0E4736, 0x00F067AA0BA902B7
CALLER = f"00-{CALLER_TRACE:032x}-{CALLER_SPAN:016x}-01"  # a client that traces
SINCE = (HISTORY_END - timedelta(days=3)).isoformat()  # the simulators' pinned history


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory, for the test; off again after it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.install(provider)
    try:
        yield exporter
    finally:
        telemetry.uninstall()
        provider.shutdown()


@pytest.fixture
async def police_only(
    town_settings: Settings,
    systems: Departments,
    town_document: dict[str, Any],
    keys: dict[str, str],
) -> AsyncIterator[GraphQLClient]:
    """The hub over the police simulator alone, built when the test asks for it (after
    ``spans``, if it asks for that too: the connectors see tracing as it is then)."""
    settings = pointed_at(town_settings, {"police": systems.urls["police"]})
    async with (
        wired_app(settings, town_document) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://hub.test",
            headers=bearer(keys["command"], purpose="tests"),
        ) as http,
    ):
        yield GraphQLClient(http)


async def accepted(town: TownBus, event_id: str) -> None:
    async def there() -> bool:
        async with town.env.database.engine.connect() as connection:
            found = (await ledger.events(connection, [event_id])).get(event_id)
        return found is not None and found.status is LifecycleStatus.ACCEPTED

    await eventually(there)


def traceparent_of(span: ReadableSpan) -> str:
    context = span.get_span_context()
    assert context is not None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def named(found: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in found if s.name == name]


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    context = span.get_span_context()
    assert context is not None
    return context.span_id


@pytest.mark.integration
async def test_a_query_is_one_trace_down_to_the_upstream_request(
    spans: InMemorySpanExporter, police_only: GraphQLClient, systems: Departments
) -> None:
    with respx.mock(assert_all_called=False) as upstream:
        police = upstream.route(url__startswith=systems.urls["police"]).pass_through()
        answer = await police_only.http.post(
            "/graphql",
            json={"query": INCIDENTS, "variables": {"since": SINCE}},
            headers={"traceparent": CALLER},
        )
    assert "errors" not in answer.json(), answer.json()["errors"]

    found = spans.get_finished_spans()
    (graph,) = named(found, "graphql OneGrid")
    (connector,) = named(found, "police fetch")
    assert graph.parent is not None  # the caller's trace, continued
    assert (graph.parent.trace_id, graph.parent.span_id) == (CALLER_TRACE, CALLER_SPAN)
    assert parent_id(connector) == span_id(graph)
    requests = named(found, "GET")
    asked = [r for r in requests if parent_id(r) == span_id(connector)]
    assert asked
    assert graph.context is not None
    assert {r.context.trace_id for r in asked if r.context} == {graph.context.trace_id}
    assert asked[0].attributes is not None
    assert asked[0].attributes["http.response.status_code"] == 200
    sent = [call.request.headers.get("traceparent") for call in police.calls]
    assert {traceparent_of(r) for r in asked} <= set(sent)
    assert None not in sent  # the change feed's polls carry their own traces too


@pytest.mark.integration
async def test_off_by_default_no_span_and_no_header(
    police_only: GraphQLClient, systems: Departments, town_settings: Settings
) -> None:
    assert town_settings.telemetry.enabled is False
    assert not telemetry.enabled()
    with respx.mock(assert_all_called=False) as upstream:
        police = upstream.route(url__startswith=systems.urls["police"]).pass_through()
        body = await police_only(INCIDENTS, since=SINCE)
    assert "errors" not in body, body["errors"]
    assert police.calls
    assert all("traceparent" not in call.request.headers for call in police.calls)
    assert telemetry.traceparent() is None


def test_the_settings_turn_tracing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TELEMETRY__ENABLED", "true")
    monkeypatch.setenv("HUB_TELEMETRY__ENDPOINT", "http://127.0.0.1:9/v1/traces")
    monkeypatch.setenv("HUB_TELEMETRY__SAMPLE_RATIO", "0")
    settings = load_settings()
    telemetry.configure(settings.telemetry)
    try:
        assert telemetry.enabled()
        with telemetry.span("sampled out"):  # the ratio 0 keeps no new trace
            parent = telemetry.traceparent()
        assert parent is not None
        assert int(parent[-2:], 16) & 1 == 0  # not sampled: the next hop keeps the decision
    finally:
        provider = telemetry.uninstall()
        assert provider is not None
        provider.shutdown()
    assert not telemetry.enabled()


def test_on_spans_reach_the_collector_over_otlp() -> None:
    """The exporter the settings build sends what the hub traced, as OTLP/HTTP."""
    received: list[tuple[str, str | None, bytes]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            received.append((self.path, self.headers.get("content-type"), self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads what arrived."""

    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}/v1/traces"
    try:
        telemetry.configure(TelemetrySettings(enabled=True, endpoint=endpoint))
        with telemetry.span("intake report", {"hub.category": "municipal.manhole_cover"}):
            pass
        provider = telemetry.uninstall()
        assert provider is not None
        provider.shutdown()  # flushes the batch
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    ((path, kind, body),) = received
    assert (path, kind) == ("/v1/traces", "application/x-protobuf")
    assert b"intake report" in body
    assert b"grid-hub" in body  # the service name


def test_off_the_hub_never_imports_opentelemetry() -> None:
    """Without the otel extra the hub still starts, and off costs no import."""
    program = (
        "import sys\n"
        "from hub.app import create_app\n"
        "from hub.config import Settings\n"
        "from hub.core import telemetry\n"
        "telemetry.configure(Settings().telemetry)\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


async def test_an_event_carries_its_trace_round_the_bus(
    spans: InMemorySpanExporter, town_bus: TownBus
) -> None:
    bus = town_bus.bus
    bus.links.add_sink(FakeSink("citymgmt"))
    async with running(bus):
        await asyncio.wait_for(bus.live.ready.wait(), 30)
        reported = await bus.intake.report(report("municipal.manhole_cover"))
        await accepted(town_bus, reported.id)
        records = await collect(
            bus.backend,
            town_bus.env.topics.grid_events,
            lambda found: reported.id in {r.header("ce_id") for r in found},
        )
        live = await until_spans(spans, "live publish", 2)

    found = spans.get_finished_spans()
    (intake,) = named(found, "intake report")
    (on_the_bus,) = [r for r in records if r.header("ce_id") == reported.id]
    assert on_the_bus.header("ce_type") == GridEventType.REPORTED
    assert on_the_bus.header("ce_traceparent") == traceparent_of(intake)
    (route,) = [s for s in named(found, "route") if parent_id(s) == span_id(intake)]
    (dispatch,) = named(found, "dispatch citymgmt")
    assert parent_id(dispatch) == span_id(route)
    assert [parent_id(s) for s in named(found, "outbox publish")] == [span_id(intake)]
    projected = {parent_id(s) for s in named(found, "ledger project")}
    assert {span_id(intake), span_id(route), span_id(dispatch)} <= projected
    assert span_id(intake) in {parent_id(s) for s in live}
    assert intake.context is not None
    for span in (route, dispatch, *named(found, "ledger project"), *live):
        assert span.context is not None
        assert span.context.trace_id == intake.context.trace_id


async def until_spans(spans: InMemorySpanExporter, name: str, count: int) -> list[ReadableSpan]:
    """The spans named ``name`` once there are ``count``: the live stream reads apart."""

    def enough() -> bool:
        return len(named(spans.get_finished_spans(), name)) >= count

    await eventually(enough)
    return named(spans.get_finished_spans(), name)


REPORT = """mutation Report($i: ReportEventInput!) { reportEvent(input: $i) { id } }"""
MANHOLE = {
    "category": "municipal.manhole_cover",  # the city-management department's
    "description": "巡查发现人行道井盖缺失",
    "channel": "PATROL",
    "location": {"lat": INSIDE[0], "lon": INSIDE[1]},
}


@pytest.mark.integration
async def test_a_report_reaches_the_department_system_in_the_trace_of_its_mutation(
    spans: InMemorySpanExporter,
    town_settings: Settings,
    systems: Departments,
    town_document: dict[str, Any],
    keys: dict[str, str],
) -> None:
    settings = pointed_at(town_settings, {"citymgmt": systems.urls["citymgmt"]})
    with respx.mock(assert_all_called=False) as upstream:
        city = upstream.route(url__startswith=systems.urls["citymgmt"]).pass_through()
        async with (
            wired_app(settings, town_document) as app,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://hub.test",
                headers=bearer(keys["command"], purpose="tests"),
            ) as http,
        ):
            answer = await http.post(
                "/graphql", json={"query": REPORT, "variables": {"i": MANHOLE}}
            )
            assert "errors" not in answer.json(), answer.json()["errors"]
            (send,) = await until_spans(spans, "citymgmt send", 1)
        sent = {call.request.headers.get("traceparent") for call in city.calls}

    found = spans.get_finished_spans()
    (graph,) = named(found, "graphql Report")
    (intake,) = named(found, "intake report")
    (route,) = [s for s in named(found, "route") if parent_id(s) == span_id(intake)]
    (dispatch,) = named(found, "dispatch citymgmt")
    assert parent_id(intake) == span_id(graph)
    assert parent_id(dispatch) == span_id(route)
    assert parent_id(send) == span_id(dispatch)
    requests = [s for s in named(found, "POST") if parent_id(s) == span_id(send)]
    assert requests  # the work order (and a token, if one was due)
    assert {traceparent_of(r) for r in requests} <= sent
    assert graph.context is not None
    for span in (intake, route, dispatch, send, *requests):
        assert span.context is not None
        assert span.context.trace_id == graph.context.trace_id
