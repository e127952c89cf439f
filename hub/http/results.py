"""A GraphQL result as an HTTP response: its body, and a status chosen by the media type.

A *request error* stops an operation before it runs (the document does not parse or
validate, the variables do not fit, the caller may not run it): the result has no data,
and none of its errors has a ``path``. Such a result carries no ``data`` entry at all,
as the GraphQL spec asks. In ``application/graphql-response+json`` it is a 4xx (401,
403 and 429 for who may ask, 400 for the rest; 500 when the hub failed); in
``application/json`` it stays 200, as the spec keeps it for legacy clients, except
that the hub has always answered 401 and 429 there too. An operation that ran is 200
in both, whatever its field errors.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from strawberry.types import ExecutionResult

from hub.core.errors import ErrorCode
from hub.http.media import GRAPHQL_RESPONSE_JSON
from hub.http.responses import headers_for, json_response, status_for

# What application/json answers with other than 200: the hub's behaviour before it spoke
# application/graphql-response+json, which clients may rely on.
_LEGACY_STATUS_CODES = frozenset(
    {ErrorCode.UNAUTHENTICATED, ErrorCode.RATE_LIMITED, ErrorCode.SERVICE_UNAVAILABLE}
)


def result_response(result: ExecutionResult, media_type: str) -> Response:
    body = result_body(result)
    status = 200
    if "data" not in body:
        extensions = _first_extensions(result)
        code = str(extensions.get("code", ErrorCode.INTERNAL_SERVER_ERROR))
        if media_type == GRAPHQL_RESPONSE_JSON or code in _LEGACY_STATUS_CODES:
            status = status_for(code)
        return json_response(body, status, media_type, headers_for(status, extensions))
    return json_response(body, status, media_type)


def result_body(result: ExecutionResult) -> dict[str, Any]:
    """The result as the GraphQL spec words it: no ``data`` after a request error."""
    body: dict[str, Any] = {}
    if not is_request_error(result):
        body["data"] = result.data
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return body


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing ran: no data, and no error belongs to a field (a field error has a path)."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def _first_extensions(result: ExecutionResult) -> dict[str, Any]:
    errors = result.errors or []
    return dict(errors[0].extensions or {}) if errors else {}
