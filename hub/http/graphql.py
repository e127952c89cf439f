"""``/graphql``: GraphiQL, GET and POST per GraphQL over HTTP, graphql-transport-ws, and SSE.

Strawberry serves everything but SSE. SSE follows the graphql-sse protocol's
distinct-connections mode: a request that accepts ``text/event-stream`` gets one
``next`` event per result and a final ``complete``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema.schema import StreamResult

from hub.services import Services
from schema import HubContext, HubSchema

EVENT_STREAM = "text/event-stream"


class HubGraphQL(GraphQL[HubContext, None]):
    def __init__(self, schema: HubSchema, services: Services) -> None:
        super().__init__(schema, graphql_ide="graphiql" if services.settings.dev else None)
        self.services = services

    def encode_json(self, data: object) -> str:
        # Chinese text as itself: a third of the bytes of \u escapes, and readable.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> HubContext:
        return HubContext(self.services, request, response)


class GraphQLEndpoint:
    """One ASGI app for ``/graphql``: SSE requests go to ``stream``, all else to strawberry."""

    def __init__(self, schema: HubSchema, services: Services) -> None:
        self.schema = schema
        self.services = services
        self.view = HubGraphQL(schema, services)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _wants_event_stream(scope):
            response = await self.stream(Request(scope, receive))
            await response(scope, receive, send)
        else:
            await self.view(scope, receive, send)

    async def stream(self, request: Request) -> Response:
        try:
            params = await _request_params(request)
        except (ValueError, TypeError) as error:
            return JSONResponse({"errors": [{"message": f"bad request: {error}"}]}, 400)
        results = await self.schema.stream(
            params["query"],
            variable_values=params.get("variables"),
            context_value=HubContext(self.services, request),
            operation_name=params.get("operationName"),
        )
        return StreamingResponse(
            _events(results),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


async def _events(results: StreamResult) -> AsyncIterator[str]:
    async for result in results:
        payload: dict[str, Any] = {"data": getattr(result, "data", None)}
        if errors := getattr(result, "errors", None):
            payload["errors"] = [error.formatted for error in errors]
        yield f"event: next\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"
    yield "event: complete\ndata: \n\n"


def _wants_event_stream(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept":
            return EVENT_STREAM.encode() in value
    return False


async def _request_params(request: Request) -> dict[str, Any]:
    params: Any
    if request.method == "GET":
        params = dict(request.query_params)
        if "variables" in params:
            params["variables"] = json.loads(params["variables"])
    else:
        params = await request.json()
    if not isinstance(params, dict) or not isinstance(params.get("query"), str):
        raise ValueError("a JSON object with a 'query' string is required")
    if not isinstance(params.get("variables") or {}, dict):
        raise ValueError("'variables' must be a JSON object")
    return params
