"""The door in front of ``/graphql`` and ``/metrics``: size, identity, rate — before parsing.

Refusing here is cheap, which is what keeps the hub responsive under a flood: an
oversized body is 413 before it is read, a request without valid credentials is 401
before any GraphQL is parsed, and a principal over its rate is 429 with
``Retry-After``. What gets through carries an ``Admission`` in its ASGI scope, which
the GraphQL view turns into the request's context.

In dev mode a plain request without credentials still gets through to ``/graphql``,
where it may only introspect (so GraphiQL can load its documentation); everything else
is refused there with UNAUTHENTICATED, 401 like here. An anonymous event stream is
refused here: GraphiQL never asks for one, and a stream cannot change its status once
it has started. A refusal is JSON in the media type the client prefers
(``application/graphql-response+json`` or ``application/json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.core.errors import (
    ErrorCode,
    ForbiddenError,
    HubError,
    RateLimitedError,
    UnauthenticatedError,
)
from hub.http.media import EVENT_STREAM, GRAPHQL_OFFERS, json_type_for, negotiate
from hub.http.responses import RequestError, refusal
from hub.security.authenticator import credential_from
from hub.security.principal import Principal
from hub.security.service import Security

SCOPE_KEY = "hub.admission"


@dataclass(frozen=True, slots=True)
class Admission:
    principal: Principal | None
    credential: str | None
    purpose: str | None
    client: str


class BodyTooLargeError(Exception):
    pass


class Gate:
    def __init__(self, app: ASGIApp, security: Security, *, scope: str | None = None) -> None:
        self.app = app
        self.security = security
        self.required_scope = scope  # beyond being authenticated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # WebSockets authenticate at connection_init
            return
        headers = Headers(scope=scope)
        if _too_large(headers, self.security.settings.max_body_bytes):
            await _refuse(scope, receive, send, _TOO_LARGE)
            return
        try:
            admission = await self.admit(scope, headers)
        except HubError as error:
            await _refuse(scope, receive, send, RequestError.from_hub_error(error))
            return
        scope[SCOPE_KEY] = admission
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, _limited(receive, self.security.settings.max_body_bytes), tracked)
        except BodyTooLargeError:
            if started:
                raise
            await _refuse(scope, receive, send, _TOO_LARGE)

    async def admit(self, scope: Scope, headers: Headers) -> Admission:
        client = _client(scope)
        purpose = purpose_from(headers.get("x-purpose"))
        credential = credential_from(headers)
        if credential is None:
            if self.security.dev and self.required_scope is None and not _streams(headers):
                return Admission(None, None, purpose, client)
            raise UnauthenticatedError("not authenticated: send an API key or a token")
        principal = await self.security.authenticator.authenticate(credential)
        if self.required_scope and not principal.has(self.required_scope):
            raise _forbidden(self.required_scope)
        wait = self.security.limiter.take(principal.id)
        if wait > 0:
            raise RateLimitedError(wait)
        return Admission(principal, credential, purpose, client)


def purpose_from(header: str | None) -> str | None:
    """``X-Purpose``; percent-encoded UTF-8 (``%E5%B7%A1%E6%9F%A5``) for text beyond ASCII."""
    return unquote(header).strip() or None if header else None


def _forbidden(scope: str) -> HubError:
    return ForbiddenError(f"needs the scope {scope}", requiredScopes=[[scope]])


def _too_large(headers: Headers, limit: int) -> bool:
    length = headers.get("content-length")
    return length is not None and length.isdigit() and int(length) > limit


def _limited(receive: Receive, limit: int) -> Receive:
    """Counts a body sent without Content-Length (chunked) as it arrives."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLargeError
        return message

    return counted


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def _streams(headers: Headers) -> bool:
    return negotiate(headers.get("accept"), GRAPHQL_OFFERS) == EVENT_STREAM


_TOO_LARGE = RequestError(ErrorCode.PAYLOAD_TOO_LARGE, "request body too large")


async def _refuse(scope: Scope, receive: Receive, send: Send, error: RequestError) -> None:
    response = refusal(error, json_type_for(Headers(scope=scope).get("accept")))
    response.headers["Vary"] = "Accept"
    await response(scope, receive, send)
