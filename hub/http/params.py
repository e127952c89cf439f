"""A GraphQL-over-HTTP request's parameters, read from a GET's query string or a POST's JSON.

Anything that is not a well-formed request is a ``RequestError`` before any GraphQL
runs: a POST body that is not ``application/json`` (415), or JSON that does not parse,
is not one object, or carries a parameter of the wrong type (400). One operation per
request: the hub does not batch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import Request

from hub.core.errors import ErrorCode
from hub.http.media import JSON
from hub.http.responses import RequestError
from hub.security.persisted import DOCUMENT_ID, with_document_id

# A request may name its document instead of sending it: by Apollo's automatic persisted
# queries' hash (in ``extensions``), or by GraphQL over HTTP's ``documentId`` beside the
# usual parameters, which is handed to the schema as ``extensions.documentId``.
PERSISTED_QUERY = "persistedQuery"
NAMING_PARAMETERS = frozenset({"query", "extensions", DOCUMENT_ID})

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None

    @property
    def names_a_document(self) -> bool:
        named = self.extensions or {}
        return self.query is not None or PERSISTED_QUERY in named or DOCUMENT_ID in named


async def read_params(request: Request) -> GraphQLParams:
    if request.method == "GET":
        raw = _from_query_string(request.query_params)
    else:
        _check_json_body(request.headers.get("content-type"))
        raw = _from_json(await request.body())
    params = GraphQLParams(
        query=_typed(raw, "query", str),
        variables=_typed(raw, "variables", dict),
        operation_name=_typed(raw, "operationName", str),
        extensions=with_document_id(_typed(raw, "extensions", dict), raw.get(DOCUMENT_ID)),
    )
    if not params.names_a_document:
        raise _bad(
            "no GraphQL query: send 'query', a persisted query's hash in 'extensions', "
            "or a 'documentId'"
        )
    return params


def _from_query_string(query: Mapping[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {
        name: query[name] for name in ("query", "operationName", DOCUMENT_ID) if query.get(name)
    }
    for name in ("variables", "extensions"):  # JSON inside the URL
        if text := query.get(name):
            raw[name] = _parse_json(text, f"'{name}'")
    return raw


def _check_json_body(content_type: str | None) -> None:
    media_type, *parameters = (part.strip().lower() for part in (content_type or "").split(";"))
    charsets = [p.partition("=")[2].strip('"') for p in parameters if p.startswith("charset")]
    if media_type != JSON or any(charset != "utf-8" for charset in charsets):
        raise RequestError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            f"a POST body must be {JSON} in UTF-8, not {content_type or 'untyped'}",
            headers={"Accept-Post": JSON},
        )


def _from_json(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise _bad("the request body is empty: send a JSON object with 'query'")
    raw = _parse_json(body, "the request body")
    if isinstance(raw, list):
        raise _bad("batched requests are not supported: send one operation per request")
    if not isinstance(raw, dict):
        raise _bad("the request body must be a JSON object")
    return raw


def _parse_json(text: str | bytes, what: str) -> Any:
    """JSON, or a 400 naming what is wrong: also for numbers too long to convert (over
    4,300 digits, a ValueError) and nesting deeper than the parser's recursion allows."""
    try:
        return json.loads(text)
    except RecursionError as error:
        raise _bad(f"{what} is nested too deeply") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _bad(f"{what} is not valid JSON: {error}") from error
    except ValueError as error:  # the only other: an integer too long to convert
        raise _bad(f"{what} holds a number of more than 4,300 digits") from error


def _typed(raw: Mapping[str, Any], name: str, kind: type[T]) -> T | None:
    """A parameter of the type the spec gives it; absent and null are the same."""
    value = raw.get(name)
    if value is None or isinstance(value, kind):
        return value
    expected = "a string" if kind is str else "an object"
    raise _bad(f"'{name}' must be {expected} or null, not {type(value).__name__}")


def _bad(message: str) -> RequestError:
    return RequestError(ErrorCode.BAD_REQUEST, message)
