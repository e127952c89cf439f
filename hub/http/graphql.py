"""``/graphql``: GraphQL over HTTP (GET and POST), SSE, graphql-transport-ws, and GraphiQL.

An HTTP request is answered here, in the media type its ``Accept`` prefers
(``hub.http.media``): ``application/graphql-response+json``, ``application/json``, or an
event stream (``hub.http.sse``); in dev mode a browser asking for the page gets GraphiQL
(``hub.http.graphiql``, the hub's own copy: strawberry's loads GraphiQL from a CDN).
Queries run over GET and POST, mutations over POST only (a GET must not change
anything: 405), and subscriptions only as streams, over SSE or a WebSocket: a plain
request for one is refused (400 SUBSCRIPTION_NEEDS_STREAM) before anything runs.
``docs/http.md`` lists every status.

HTTP requests arrive admitted by the gate (``hub.http.gate``). WebSockets go to
strawberry's view, and authenticate in ``connection_init``: its payload may carry
``Authorization`` (or ``X-API-Key``) and ``X-Purpose`` as a browser cannot set headers
on the upgrade; the upgrade request's own headers are the fallback. A connection without
valid credentials is closed with 4403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from hub.core.errors import ErrorCode
from hub.core.jsonbody import encode_json
from hub.http.direct import HubTransportWS
from hub.http.gate import SCOPE_KEY, Admission, purpose_from
from hub.http.graphiql import GraphiQL
from hub.http.media import EVENT_STREAM, GRAPHQL_OFFERS, HTML, json_type_for, negotiate
from hub.http.params import NAMING_PARAMETERS, GraphQLParams, read_params
from hub.http.responses import ALLOWED_METHODS, RequestError, refusal
from hub.http.results import result_response
from hub.http.sse import event_stream
from hub.security.authenticator import credential_from
from hub.services import Services
from schema import HubContext, HubError, HubSchema

# What each way of asking may run. A GET must be safe to repeat and to prefetch, so it
# never mutates; only a stream can carry a subscription's many results.
_PLAIN = {
    "GET": frozenset({OperationType.QUERY}),
    "POST": frozenset({OperationType.QUERY, OperationType.MUTATION}),
}
_STREAMED = {
    "GET": frozenset({OperationType.QUERY, OperationType.SUBSCRIPTION}),
    "POST": frozenset(OperationType),
}


class HubGraphQL(GraphQL[HubContext, None]):
    """Strawberry's view, for WebSockets only: ``GraphQLEndpoint`` answers HTTP itself."""

    graphql_transport_ws_handler_class = HubTransportWS

    def __init__(self, schema: HubSchema, services: Services) -> None:
        super().__init__(schema, graphql_ide=None)
        self.services = services

    def encode_json(self, data: object) -> str:
        return encode_json(data).decode()

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
    """One ASGI app for ``/graphql``: HTTP answered here, WebSockets by strawberry."""

    def __init__(self, schema: HubSchema, services: Services) -> None:
        self.schema = schema
        self.services = services
        self.view = HubGraphQL(schema, services)
        self.graphiql = GraphiQL() if services.settings.dev else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.view(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.answer(request)
        except RequestError as error:
            response = refusal(error, json_type_for(request.headers.get("accept")))
        response.headers["Vary"] = "Accept"
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        if request.method not in _PLAIN:
            raise RequestError(
                ErrorCode.METHOD_NOT_ALLOWED,
                f"/graphql answers GET and POST, not {request.method}",
                headers={"Allow": ALLOWED_METHODS},
            )
        accept = request.headers.get("accept")
        if self.graphiql and _asks_for_page(request) and negotiate(accept, (HTML,)):
            return self.graphiql.page()
        media_type = negotiate(accept, GRAPHQL_OFFERS)
        if media_type is None:
            raise RequestError(
                ErrorCode.NOT_ACCEPTABLE,
                f"/graphql answers in {', '.join(GRAPHQL_OFFERS)}; Accept names none of them",
            )
        params = await read_params(request)
        context = context_of(self.services, request, None)
        if media_type == EVENT_STREAM:
            return await event_stream(self.schema, params, context, _STREAMED[request.method])
        result = await self.execute(params, context, request.method)
        return result_response(result, media_type)

    async def execute(
        self, params: GraphQLParams, context: HubContext, method: str
    ) -> ExecutionResult:
        try:
            return await self.schema.execute(
                params.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=_PLAIN[method],
                operation_extensions=params.extensions,
            )
        except InvalidOperationTypeError as error:
            raise _not_plain(error.operation_type) from error
        except MissingQueryError as error:
            raise RequestError(ErrorCode.BAD_REQUEST, "no GraphQL query in the request") from error
        except CannotGetOperationTypeError as error:  # a request error, like validation's
            return ExecutionResult(
                data=None, errors=[_operation_unresolved(error.as_http_error_reason())]
            )


def _asks_for_page(request: Request) -> bool:
    """A browser opening /graphql: a GET that names no operation."""
    names_one = NAMING_PARAMETERS & set(request.query_params)
    return request.method == "GET" and not names_one


def _not_plain(operation: OperationType) -> RequestError:
    if operation is OperationType.MUTATION:
        return RequestError(
            ErrorCode.METHOD_NOT_ALLOWED,
            "a mutation needs POST: a GET must not change anything",
            headers={"Allow": "POST"},
        )
    return RequestError(
        ErrorCode.SUBSCRIPTION_NEEDS_STREAM,
        "a subscription needs a stream: send it with Accept: text/event-stream (SSE) "
        "or over a WebSocket (graphql-transport-ws)",
    )


def _operation_unresolved(reason: str) -> GraphQLError:
    code = ErrorCode.OPERATION_RESOLUTION_FAILURE.value
    return GraphQLError(reason, extensions={"code": code})
