"""Typed GraphQL errors: every error a client sees carries ``extensions.code``.

    HubError                    raised by resolvers on purpose; message is for the client
     ├─ BadUserInputError       BAD_USER_INPUT: an argument is malformed or out of range
     │   └─ OutsideGridsError   LOCATION_OUTSIDE_GRIDS: a point no grid contains
     └─ SubscriptionOverflowError  SUBSCRIPTION_OVERFLOW: a subscriber fell too far behind

Errors raised by accident are masked as INTERNAL_SERVER_ERROR with a correlation id
(see ``classify``); the detail goes to the log only.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from ulid import ULID

log = logging.getLogger("hub.graphql")


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    DEPTH_LIMIT_EXCEEDED = "DEPTH_LIMIT_EXCEEDED"
    TOKEN_LIMIT_EXCEEDED = "TOKEN_LIMIT_EXCEEDED"  # noqa: S105 - a code, not a secret
    ALIAS_LIMIT_EXCEEDED = "ALIAS_LIMIT_EXCEEDED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    LOCATION_OUTSIDE_GRIDS = "LOCATION_OUTSIDE_GRIDS"
    SUBSCRIPTION_OVERFLOW = "SUBSCRIPTION_OVERFLOW"


class HubError(Exception):
    """An error meant for the client, with a machine-readable code."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": self.code.value, **details}


class BadUserInputError(HubError):
    code = ErrorCode.BAD_USER_INPUT


class OutsideGridsError(BadUserInputError):
    code = ErrorCode.LOCATION_OUTSIDE_GRIDS


class SubscriptionOverflowError(HubError):
    """The stream was cut off; ``lastEventId`` says where to catch up from the ledger."""

    code = ErrorCode.SUBSCRIPTION_OVERFLOW


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
    return _mask(error, original, operation)


def _request_error_code(error: GraphQLError) -> ErrorCode:
    if isinstance(error, GraphQLSyntaxError):
        if "more than" in error.message and "tokens" in error.message:
            return ErrorCode.TOKEN_LIMIT_EXCEEDED
        return ErrorCode.GRAPHQL_PARSE_FAILED
    return ErrorCode.GRAPHQL_VALIDATION_FAILED


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
