"""Typed GraphQL errors: every error a client sees carries ``extensions.code``.

    HubError                        raised on purpose; the message is for the client
     ├─ BadUserInputError           BAD_USER_INPUT: an argument is malformed or out of range
     ├─ UnauthenticatedError        UNAUTHENTICATED: no credentials, or ones that fail (HTTP 401)
     ├─ ForbiddenError              FORBIDDEN: a scope is missing, or the record is not theirs
     ├─ PurposeRequiredError        PURPOSE_REQUIRED: unmasked personal data needs X-Purpose
     ├─ RateLimitedError            RATE_LIMITED: the principal's request budget is spent (HTTP 429)
     ├─ CostLimitExceededError      COST_LIMIT_EXCEEDED: the estimated cost is over the budget
     ├─ PersistedQueryNotFoundError PERSISTED_QUERY_NOT_FOUND: not a registered trusted document
     ├─ UpstreamError               UPSTREAM_*: a department system failed (connectors.sdk.errors)
     ├─ OutsideGridsError           LOCATION_OUTSIDE_GRIDS: a point no grid contains
     ├─ InvalidTransitionError      INVALID_TRANSITION: the lifecycle forbids the step now
     │                              (extensions.currentStatus); nothing was changed
     ├─ NotFoundError               NOT_FOUND: no record has the id given
     └─ SubscriptionOverflowError   SUBSCRIPTION_OVERFLOW: a subscriber fell too far behind

Errors raised by accident are masked as INTERNAL_SERVER_ERROR with a correlation id
(see ``classify``); the detail goes to the log only.
"""

from __future__ import annotations

import logging
import math

from graphql import GraphQLError, GraphQLSyntaxError
from ulid import ULID

from hub.errors import ErrorCode, HubError

log = logging.getLogger("hub.graphql")

__all__ = [
    "BadUserInputError",
    "CostLimitExceededError",
    "ErrorCode",
    "ForbiddenError",
    "HubError",
    "InvalidTransitionError",
    "NotFoundError",
    "OutsideGridsError",
    "PersistedQueryNotFoundError",
    "PurposeRequiredError",
    "RateLimitedError",
    "SubscriptionOverflowError",
    "UnauthenticatedError",
    "classify",
]


class BadUserInputError(HubError):
    code = ErrorCode.BAD_USER_INPUT


class OutsideGridsError(BadUserInputError):
    code = ErrorCode.LOCATION_OUTSIDE_GRIDS


class InvalidTransitionError(HubError):
    code = ErrorCode.INVALID_TRANSITION


class NotFoundError(HubError):
    code = ErrorCode.NOT_FOUND


class SubscriptionOverflowError(HubError):
    """The stream was cut off; ``lastEventId`` says where to catch up from the ledger."""

    code = ErrorCode.SUBSCRIPTION_OVERFLOW


class UnauthenticatedError(HubError):
    code = ErrorCode.UNAUTHENTICATED


class ForbiddenError(HubError):
    code = ErrorCode.FORBIDDEN


class PurposeRequiredError(HubError):
    code = ErrorCode.PURPOSE_REQUIRED


class RateLimitedError(HubError):
    code = ErrorCode.RATE_LIMITED

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(f"rate limit reached; retry after {seconds} s", retryAfter=seconds)
        self.retry_after = seconds


class CostLimitExceededError(HubError):
    code = ErrorCode.COST_LIMIT_EXCEEDED


class PersistedQueryNotFoundError(HubError):
    code = ErrorCode.PERSISTED_QUERY_NOT_FOUND


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
