"""Server-Sent Events: graphql-sse's distinct-connections mode.

A request that asks for ``text/event-stream`` gets one ``next`` event per result and a
final ``complete``. As that protocol asks, what goes wrong once the request is
well-formed (a document that does not parse or validate, a scope missing) is reported
inside the stream as a ``next`` event with errors, not as an HTTP status: a browser's
EventSource shows nothing of a 4xx. Who the caller is has been settled before (the
gate's 401), and so has the request's shape (400, 405, 415).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from starlette.responses import Response, StreamingResponse
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hub.http.media import EVENT_STREAM
from hub.http.params import GraphQLParams
from hub.http.responses import encode_json
from hub.http.results import result_body
from schema import HubContext, HubSchema

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering


async def event_stream(
    schema: HubSchema,
    params: GraphQLParams,
    context: HubContext,
    allowed: Iterable[OperationType],
) -> Response:
    results = await schema.stream(
        params.query,
        variable_values=params.variables,
        context_value=context,
        operation_name=params.operation_name,
        operation_extensions=params.extensions,
        allowed_operation_types=allowed,
    )
    return StreamingResponse(_events(results), media_type=EVENT_STREAM, headers=HEADERS)


async def _events(results: StreamResult) -> AsyncIterator[bytes]:
    async for result in results:
        body = result_body(result) if isinstance(result, ExecutionResult) else {}
        yield b"event: next\ndata: " + encode_json(body) + b"\n\n"
    yield b"event: complete\ndata: \n\n"
