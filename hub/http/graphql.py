"""``/graphql``: GraphiQL, GET and POST per GraphQL over HTTP, graphql-transport-ws, and SSE.

Strawberry serves everything but SSE and GraphiQL's page (``hub.http.graphiql``, the
hub's own copy rather than strawberry's, which loads GraphiQL from a CDN). SSE follows
the graphql-sse protocol's distinct-connections mode: a request that accepts
``text/event-stream`` gets one ``next`` event per result and a final ``complete``.

HTTP requests arrive admitted by the gate (``hub.http.gate``). A WebSocket
authenticates in ``connection_init``: its payload may carry ``Authorization`` (or
``X-API-Key``) and ``X-Purpose`` as a browser cannot set headers on the upgrade; the
upgrade request's own headers are the fallback. A connection without valid
credentials is closed with 4403.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

from cross_web import AsyncHTTPRequestAdapter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.schema import StreamResult
from strawberry.types.unset import UNSET, UnsetType

from hub.http.gate import SCOPE_KEY, Admission, purpose_from
from hub.http.graphiql import GraphiQL
from hub.http.persisted import document_id_of, names_a_document
from hub.security.authenticator import credential_from
from hub.security.persisted import with_document_id
from hub.services import Services
from schema import HubContext, HubError, HubSchema

EVENT_STREAM = "text/event-stream"


class HubGraphQL(GraphQL[HubContext, None]):
    def __init__(self, schema: HubSchema, services: Services) -> None:
        super().__init__(schema, graphql_ide="graphiql" if services.settings.dev else None)
        self.services = services
        self.graphiql = GraphiQL()

    async def render_graphql_ide(self, request: Request) -> Response:
        return self.graphiql.page()

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        return super().should_render_graphql_ide(request) and not names_a_document(request)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and data.query is None:  # by documentId?
            data.extensions = with_document_id(data.extensions, await document_id_of(request))
        return data

    def encode_json(self, data: object) -> str:
        # Chinese text as itself: a third of the bytes of \u escapes, and readable.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> HubContext:
        return context_of(self.services, request, response)

    async def on_ws_connect(self, context: HubContext) -> UnsetType | dict[str, object] | None:
        params = {
            str(k).lower(): v
            for k, v in (context.connection_params or {}).items()
            if isinstance(v, str)
        }
        upgrade: Mapping[str, str] = context.request.headers if context.request else {}
        credential = credential_from(params) or credential_from(upgrade)
        if credential is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        try:
            context.principal = await self.services.security.authenticator.authenticate(credential)
        except HubError as error:
            raise ConnectionRejectionError(error.extensions) from error
        context.credential = credential
        context.purpose = purpose_from(params.get("x-purpose") or upgrade.get("x-purpose"))
        return cast("UnsetType", UNSET)


def context_of(
    services: Services, request: Request | WebSocket, response: Response | WebSocket | None
) -> HubContext:
    """The context of an admitted HTTP request, or of a WebSocket before it authenticates."""
    admission: Admission | None = request.scope.get(SCOPE_KEY)
    client = request.client.host if request.client else ""
    if admission is None:
        return HubContext(services, request, response, client=client)
    return HubContext(
        services,
        request,
        response,
        principal=admission.principal,
        credential=admission.credential,
        purpose=admission.purpose,
        client=admission.client,
        rate_charged=True,
    )


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
            context_value=context_of(self.services, request, None),
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
