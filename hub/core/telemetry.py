"""Traces: OpenTelemetry spans across a query and an event, joined by W3C trace context.

A query is one trace: the GraphQL operation, the connector calls it makes, and each
upstream HTTP request, which carries a ``traceparent`` header to the department's
system. An event is one trace across processes: the intake's span is written into the
event's CloudEvent as its ``traceparent`` extension attribute, and the outbox relay,
the router, dispatch (with its call to the department's system), the ledger's
projection and the live stream each continue the trace of the event they handle.

Off by default (``HUB_TELEMETRY__ENABLED``). Off, nothing imports OpenTelemetry, so the
``otel`` extra need not be installed, and every hook below is a read of one global:
a shared do-nothing context manager, ``None`` for a trace context, the upstream
transport left as it was. On, spans go to an OTLP/HTTP endpoint in batches, off the
request path; tests install a provider of their own (``install``).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Coroutine, Iterable, Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, Protocol, TypeVar

import httpx
from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, SpanKind, Tracer
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    from opentelemetry.util.types import AttributeValue

Attributes = Mapping[str, "AttributeValue"]
Kind = Literal["internal", "server", "client", "producer", "consumer"]
P = ParamSpec("P")
R = TypeVar("R")
TRACEPARENT = "traceparent"


class TelemetrySettings(BaseModel):
    """``HUB_TELEMETRY__*``: whether and where the hub sends its spans."""

    enabled: bool = Field(
        default=False, description="Trace queries and events (needs the otel extra)."
    )
    endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces; unset: "
        "the standard OTEL_EXPORTER_OTLP_* variables, else localhost:4318.",
    )
    service_name: str = "grid-hub"
    sample_ratio: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Share of new traces kept; a trace that arrives keeps its own decision.",
    )


class _State:
    tracer: Tracer | None = None
    provider: TracerProvider | None = None


_STATE = _State()
_OFF: AbstractContextManager[None] = contextlib.nullcontext()


def configure(settings: TelemetrySettings) -> None:
    """Start sending spans when the settings ask for it; otherwise change nothing."""
    if not settings.enabled:
        return
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )
        from opentelemetry.sdk.resources import Resource  # noqa: PLC0415
        from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
        from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415
        from opentelemetry.sdk.trace.sampling import (  # noqa: PLC0415
            ParentBased,
            TraceIdRatioBased,
        )
    except ImportError as missing:
        raise RuntimeError(
            "HUB_TELEMETRY__ENABLED needs the otel extra: pip install 'grid-hub[otel]'"
        ) from missing
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.endpoint)))
    install(provider)


def install(provider: TracerProvider) -> None:
    """Trace with ``provider`` from now on (its processors decide where spans go)."""
    _STATE.provider = provider
    _STATE.tracer = provider.get_tracer("grid-hub")


def uninstall() -> TracerProvider | None:
    """Stop tracing: hooks go back to doing nothing. Returns the provider that was in
    use, for its owner to shut down."""
    provider = _STATE.provider
    _STATE.tracer = _STATE.provider = None
    return provider


def enabled() -> bool:
    return _STATE.tracer is not None


def span(name: str, attributes: Attributes | None = None) -> AbstractContextManager[object]:
    """A span under the current one, current while the block runs."""
    tracer = _STATE.tracer
    if tracer is None:
        return _OFF
    return tracer.start_as_current_span(name, attributes=attributes)


def joined(
    name: str,
    parent: str | Mapping[str, str] | None,
    attributes: Attributes | None = None,
    kind: Kind = "consumer",
) -> AbstractContextManager[object]:
    """A span continuing the trace ``parent`` names (a ``traceparent`` value, or the
    headers of a request carrying one), current while the block runs; without one, a
    span under the current one."""
    tracer = _STATE.tracer
    if tracer is None:
        return _OFF
    return tracer.start_as_current_span(
        name, context=_context(parent), kind=_kind(kind), attributes=attributes
    )


def each_joined(
    name: str, parents: Iterable[str | None], kind: Kind = "consumer"
) -> AbstractContextManager[object]:
    """One span per traced item of a batch, each in its item's trace, all lasting the
    block: for steps that handle many events at once (the relay, the ledger). None is
    made current, since the block's own outputs belong to no single one of them."""
    tracer = _STATE.tracer
    if tracer is None:
        return _OFF
    spans = [
        tracer.start_span(name, context=_context(parent), kind=_kind(kind))
        for parent in parents
        if parent
    ]
    return _Ending(spans)


def traceparent() -> str | None:
    """The current span's trace context as a W3C ``traceparent``, to carry onward."""
    if _STATE.tracer is None:
        return None
    carrier: dict[str, str] = {}
    _propagator().inject(carrier)
    return carrier.get(TRACEPARENT)


class Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=Named)
Method = Callable[Concatenate[N, P], Coroutine[Any, Any, R]]


def traced(operation: str) -> Callable[[Method[N, P, R]], Method[N, P, R]]:
    """A span ``<name> <operation>`` around each call of a named object's async method
    (a connector's calls to its system)."""

    def decorate(method: Method[N, P, R]) -> Method[N, P, R]:
        @functools.wraps(method)
        async def call(self: N, /, *args: P.args, **kwargs: P.kwargs) -> R:
            tracer = _STATE.tracer
            if tracer is None:
                return await method(self, *args, **kwargs)
            name = self.name
            with tracer.start_as_current_span(
                f"{name} {operation}", attributes={"hub.connector": name}
            ):
                return await method(self, *args, **kwargs)

        return call

    return decorate


def traced_transport(transport: httpx.AsyncBaseTransport, peer: str) -> httpx.AsyncBaseTransport:
    """``transport`` with a client span per request and the trace in its headers; as it
    was when tracing is off, so a process started without tracing pays nothing."""
    if _STATE.tracer is None:
        return transport
    return _TracedTransport(transport, peer)


class _TracedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, peer: str) -> None:
        self._inner = inner
        self._peer = peer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        tracer = _STATE.tracer
        if tracer is None:
            return await self._inner.handle_async_request(request)
        url = request.url
        attributes: Attributes = {
            "http.request.method": request.method,
            "server.address": url.host,
            "url.path": url.path,  # not the query: it may name people or places
            "peer.service": self._peer,
        }
        with tracer.start_as_current_span(
            request.method, kind=_kind("client"), attributes=attributes
        ) as current:
            _propagator().inject(request.headers)
            response = await self._inner.handle_async_request(request)
            current.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
                _failed(current, f"answered {response.status_code}")
            return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Ending(AbstractContextManager[object]):
    """Ends its spans when the block does, marking them failed if it raised."""

    def __init__(self, spans: list[Span]) -> None:
        self._spans = spans

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for each in self._spans:
            if isinstance(error, Exception):
                each.record_exception(error)
                _failed(each, repr(error))
            each.end()


def _context(parent: str | Mapping[str, str] | None) -> Context | None:
    if parent is None:
        return None
    carrier = {TRACEPARENT: parent} if isinstance(parent, str) else parent
    return _propagator().extract(carrier)


def _failed(span: Span, description: str) -> None:
    from opentelemetry.trace import Status, StatusCode  # noqa: PLC0415 - only when tracing

    span.set_status(Status(StatusCode.ERROR, description))


def _kind(kind: Kind) -> SpanKind:
    from opentelemetry.trace import SpanKind  # noqa: PLC0415 - only when tracing

    return SpanKind[kind.upper()]


@functools.cache
def _propagator() -> TraceContextTextMapPropagator:
    from opentelemetry.trace.propagation.tracecontext import (  # noqa: PLC0415
        TraceContextTextMapPropagator,
    )

    return TraceContextTextMapPropagator()
