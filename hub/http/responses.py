"""JSON answers and typed refusals: one status, body and header set per error code.

A refusal looks like any GraphQL error (``{"errors": [{"message", "extensions": {"code"}}]}``)
so a client reads every failure the same way, whichever layer refused: the gate (401,
413, 429), the request's shape (400, 405, 406, 415), or GraphQL itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from hub.core.errors import ErrorCode, HubError
from hub.core.jsonbody import encode_json
from hub.http.media import JSON

ALLOWED_METHODS = "GET, POST"
AUTHENTICATE = 'Bearer realm="grid-hub"'

_STATUS = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NOT_ACCEPTABLE: 406,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL_SERVER_ERROR: 500,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
}


def status_for(code: str) -> int:
    """The HTTP status of a refusal with ``code``: 400 unless the code has one of its own."""
    try:
        return _STATUS.get(ErrorCode(code), 400)
    except ValueError:
        return 400


def headers_for(status: int, extensions: Mapping[str, Any]) -> dict[str, str]:
    """What the status obliges: how to authenticate (401), when to come back (429, 503)."""
    if status == 401:
        return {"WWW-Authenticate": AUTHENTICATE}
    if status in {429, 503} and "retryAfter" in extensions:
        return {"Retry-After": str(extensions["retryAfter"])}
    return {}


class RequestError(Exception):
    """A request refused before any GraphQL runs, with its code and status."""

    def __init__(
        self, code: ErrorCode, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": code.value}
        self.status = status_for(code)
        self.headers = {**headers_for(self.status, self.extensions), **(headers or {})}

    @classmethod
    def from_hub_error(cls, error: HubError) -> RequestError:
        refusal = cls(ErrorCode(error.extensions["code"]), str(error))
        refusal.extensions = dict(error.extensions)
        refusal.headers.update(headers_for(refusal.status, refusal.extensions))
        return refusal


def json_response(
    body: object, status: int, media_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    # JSON is UTF-8 by definition; the GraphQL media type names its charset, as the spec shows.
    content_type = media_type if media_type == JSON else f"{media_type}; charset=utf-8"
    return Response(encode_json(body), status, {**(headers or {}), "content-type": content_type})


def refusal(error: RequestError, media_type: str) -> Response:
    body = {"errors": [{"message": str(error), "extensions": error.extensions}]}
    return json_response(body, error.status, media_type, error.headers)
