"""The last answers to errors nothing else caught: typed JSON, never plain text.

A database that is away (``hub.db.outage``) is 503 with ``Retry-After`` and the code
SERVICE_UNAVAILABLE (``OutageGuard``): nothing was accepted, and the same request may
be sent again. Any other escape is a bug (``server_errors``): 500 with
INTERNAL_SERVER_ERROR and a correlation id that the log's traceback carries too. Open311
paths answer in Open311's own error shape.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from ulid import ULID

from hub.core.errors import ErrorCode, ServiceUnavailableError
from hub.db.outage import is_outage, outage_log

log = logging.getLogger("hub.http")


Handler = Callable[[Request, Exception], Awaitable[Response]]


class OutageGuard:
    """Answers 503 for a database outage itself, before Starlette's last-resort handler
    would log a traceback per request: an outage is one warning, not a flood."""

    def __init__(self, app: ASGIApp, open311_prefix: str) -> None:
        self.app = app
        self.open311_prefix = open311_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:
            if started or not is_outage(error):
                raise
            request = Request(scope)
            response = _unavailable(request.url.path.startswith(self.open311_prefix), request)
            await response(scope, receive, send)


def _unavailable(open311: bool, request: Request) -> Response:
    outage_log.warning("the database is unavailable", extra={"path": request.url.path})
    refused = ServiceUnavailableError()
    headers = {"Retry-After": str(refused.RETRY_AFTER)}
    return _typed(open311, 503, str(refused), refused.extensions, headers)


def server_errors(open311_prefix: str) -> Handler:
    """The app's handler for what escaped; paths under ``open311_prefix`` in its shape."""

    async def server_error(request: Request, error: Exception) -> Response:
        open311 = request.url.path.startswith(open311_prefix)
        correlation_id = str(ULID())
        log.error("unhandled error", exc_info=error, extra={"correlationId": correlation_id})
        extensions = {
            "code": ErrorCode.INTERNAL_SERVER_ERROR.value,
            "correlationId": correlation_id,
        }
        return _typed(open311, 500, f"internal server error ({correlation_id})", extensions, {})

    return server_error


def _typed(
    open311: bool,
    status: int,
    message: str,
    extensions: Mapping[str, object],
    headers: dict[str, str],
) -> Response:
    if open311:
        return JSONResponse([{"code": status, "description": message}], status, headers)
    body = {"errors": [{"message": message, "extensions": dict(extensions)}]}
    return JSONResponse(body, status, headers)
