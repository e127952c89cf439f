"""Errors as the client sees them: every error carries ``extensions.code``.

The error classes live in ``hub.core.errors``. Errors raised by accident are masked as
INTERNAL_SERVER_ERROR with a correlation id (see ``classify``); the detail goes to the
log only.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from ulid import ULID

from hub.core.errors import ErrorCode, HubError, ServiceUnavailableError
from hub.db.outage import is_outage, outage_log

log = logging.getLogger("hub.graphql")

__all__ = ["classify"]


def classify(error: GraphQLError, operation: str | None) -> GraphQLError:
    """The error as the client should see it: always with a code, never with internals.

    An error raised on purpose (a HubError) keeps its message; parse and validation
    errors get their standard code. Anything else is a bug: the client sees a generic
    message and a correlation id, and the log gets the traceback under the same id.
    """
    original = error.original_error
    if isinstance(original, HubError):
        error.extensions = {**(error.extensions or {}), **original.extensions}
        return error
    if original is None or isinstance(original, GraphQLError):
        error.extensions = {"code": _request_error_code(error).value, **(error.extensions or {})}
        return error
    if isinstance(original, _UNRUNNABLE):
        return _unrunnable(error, original)
    if _literal_out_of_reach(error, original):
        return _literal_refused(error)
    if is_outage(original):
        return _unavailable(error, original, operation)
    return _mask(error, original, operation)


def _unavailable(
    error: GraphQLError, original: BaseException, operation: str | None
) -> GraphQLError:
    """The database is away: temporary, typed, and nothing was accepted."""
    outage_log.warning(
        "the database is unavailable", extra={"operation": operation, "error": repr(original)}
    )
    refused = ServiceUnavailableError()
    return GraphQLError(
        str(refused), nodes=error.nodes, path=error.path, extensions=refused.extensions
    )


# Validation asks each scalar to read the literals in the document; a literal no Python
# number can hold (an integer of more than 4,300 digits) makes it raise ValueError, which
# graphql-core reports as this rule's error: the document is invalid, not the hub broken.
_LITERAL_RULE = "Expected value of type "


def _literal_out_of_reach(error: GraphQLError, original: BaseException) -> bool:
    return (
        error.path is None
        and isinstance(original, ValueError)
        and error.message.startswith(_LITERAL_RULE)
    )


def _literal_refused(error: GraphQLError) -> GraphQLError:
    expected = error.message[len(_LITERAL_RULE) :].split(",", 1)[0]
    return GraphQLError(
        f"Expected value of type {expected}: the literal is no number it can hold",
        nodes=error.nodes,
        extensions={"code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value},
    )


def _request_error_code(error: GraphQLError) -> ErrorCode:
    if isinstance(error, GraphQLSyntaxError):
        if "more than" in error.message and "tokens" in error.message:
            return ErrorCode.TOKEN_LIMIT_EXCEEDED
        return ErrorCode.GRAPHQL_PARSE_FAILED
    return ErrorCode.GRAPHQL_VALIDATION_FAILED


# What strawberry refuses before running an operation over a stream (SSE, WebSocket):
# the client's mistake, not the hub's. Plain HTTP refuses these with a status first.
_UNRUNNABLE = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


def _unrunnable(error: GraphQLError, original: Exception) -> GraphQLError:
    code, message = ErrorCode.BAD_REQUEST, "no GraphQL query in the request"
    if isinstance(original, CannotGetOperationTypeError):
        code, message = ErrorCode.OPERATION_RESOLUTION_FAILURE, original.as_http_error_reason()
    elif isinstance(original, InvalidOperationTypeError):
        if original.operation_type is OperationType.MUTATION:
            code, message = ErrorCode.METHOD_NOT_ALLOWED, "a mutation needs POST"
        else:
            code, message = ErrorCode.SUBSCRIPTION_NEEDS_STREAM, error.message
    return GraphQLError(message, extensions={"code": code.value})


def _mask(error: GraphQLError, original: BaseException, operation: str | None) -> GraphQLError:
    correlation_id = str(ULID())
    log.error(
        "unexpected error in a resolver",
        exc_info=original,
        extra={"correlationId": correlation_id, "path": error.path, "operation": operation},
    )
    return GraphQLError(
        f"Internal server error (correlation id {correlation_id})",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "correlationId": correlation_id},
    )
