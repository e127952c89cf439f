"""Server-Sent Events: graphql-sse's distinct-connections mode.

A request that asks for ``text/event-stream`` gets one ``next`` event per result and a
final ``complete``. What can be told before the stream starts is an HTTP status with a
typed JSON body, as graphql-sse's own server does: who the caller is (the gate's 401),
the request's shape (400, 405, 415), and a document that does not parse, does not
validate or names no operation it holds (400). What goes wrong after (a scope missing,
a field failing, even an accident of the hub's) is a ``next`` event with typed errors,
and the stream still ends with ``complete``: never a connection cut mid-body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, parse, validate
from starlette.responses import Response, StreamingResponse
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hub.core.errors import ErrorCode
from hub.core.jsonbody import encode_json
from hub.http.media import EVENT_STREAM, GRAPHQL_RESPONSE_JSON
from hub.http.params import GraphQLParams
from hub.http.results import result_body, result_response
from hub.security.documents import document_hash
from schema import HubContext, HubSchema, classify

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering


async def event_stream(
    schema: HubSchema,
    params: GraphQLParams,
    context: HubContext,
    allowed: Iterable[OperationType],
) -> Response:
    if params.query is not None:  # a persisted document's text was checked when stored
        errors = _unrunnable(schema._schema, params.query, params.operation_name)
        if errors:
            refused = ExecutionResult(data=None, errors=[classify(e, None) for e in errors])
            return result_response(refused, GRAPHQL_RESPONSE_JSON)
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
    try:
        async for result in results:
            body = result_body(result) if isinstance(result, ExecutionResult) else {}
            yield _next(body)
    except Exception as error:  # logged with a correlation id; the client sees that id
        failed = classify(GraphQLError(str(error), original_error=error), None)
        yield _next({"errors": [failed.formatted]})
    yield b"event: complete\ndata: \n\n"


def _next(body: object) -> bytes:
    return b"event: next\ndata: " + encode_json(body) + b"\n\n"


# Documents found runnable, by hash: a client's streams repeat one document, and a
# hostile one's failures are not kept (their errors would hold their whole text).
_RUNNABLE: set[tuple[str, str | None]] = set()
MAX_RUNNABLE = 1024


def _unrunnable(
    schema: GraphQLSchema, query: str, operation_name: str | None
) -> list[GraphQLError]:
    """Why the document cannot run at all, before a stream is promised: it does not
    parse (graphql-core also refuses nesting too deep to parse), does not validate, or
    does not hold the operation asked for."""
    known = (document_hash(query), operation_name)
    if known in _RUNNABLE:
        return []
    errors = _why_not(schema, query, operation_name)
    if not errors:
        if len(_RUNNABLE) >= MAX_RUNNABLE:
            _RUNNABLE.clear()
        _RUNNABLE.add(known)
    return errors


def _why_not(schema: GraphQLSchema, query: str, operation_name: str | None) -> list[GraphQLError]:
    try:
        document = parse(query)
    except GraphQLError as error:
        return [error]
    errors = validate(schema, document)
    if errors:
        return errors
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    names = {d.name.value for d in operations if d.name}
    if operation_name is not None and operation_name not in names:
        message = f'Unknown operation named "{operation_name}".'
        return [_unresolved(ErrorCode.OPERATION_RESOLUTION_FAILURE, message)]
    if operation_name is None and len(operations) > 1:
        message = "Must provide operation name if query contains multiple operations."
        return [_unresolved(ErrorCode.OPERATION_RESOLUTION_FAILURE, message)]
    return []


def _unresolved(code: ErrorCode, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})
