"""Errors meant for a client, each with a machine-readable code, defined once.

They live in the core so that every layer (the connector SDK, the bus, the domain
services, the graph, Open311) raises the same classes; ``schema.errors`` turns them
into GraphQL errors carrying ``extensions.code``.

    HubError                        raised on purpose; the message is for the client
     ├─ BadUserInputError           BAD_USER_INPUT: an argument is malformed or out of range
     │   ├─ PersistedQueryMismatchError the text does not hash to the sha256 sent with it
     │   └─ ReportRejectedError     a report is not acceptable (extensions.argument)
     │       └─ OutsideGridsError   LOCATION_OUTSIDE_GRIDS: a point no grid contains
     ├─ UnauthenticatedError        UNAUTHENTICATED: no credentials, or ones that fail (HTTP 401)
     ├─ ForbiddenError              FORBIDDEN: a scope is missing, or the record is not theirs
     ├─ PurposeRequiredError        PURPOSE_REQUIRED: unmasked personal data needs X-Purpose
     ├─ RateLimitedError            RATE_LIMITED: the principal's request budget is spent (HTTP 429)
     ├─ CostLimitExceededError      COST_LIMIT_EXCEEDED: the estimated cost is over the budget
     ├─ PersistedQueryNotFoundError PERSISTED_QUERY_NOT_FOUND: a hash the hub does not know
     │                              (an APQ client answers with the document's text)
     ├─ DocumentNotTrustedError     DOCUMENT_NOT_TRUSTED: production runs registered documents
     │                              only, and this text is not one
     ├─ UpstreamError               UPSTREAM_*: a department system failed (connectors.sdk.errors)
     ├─ InvalidTransitionError      INVALID_TRANSITION: the lifecycle forbids the step now
     │                              (extensions.currentStatus); nothing was changed
     ├─ NotFoundError               NOT_FOUND: no record has the id given
     └─ SubscriptionOverflowError   SUBSCRIPTION_OVERFLOW: a subscriber fell too far behind
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

__all__ = [
    "BadUserInputError",
    "CostLimitExceededError",
    "DocumentNotTrustedError",
    "ErrorCode",
    "ForbiddenError",
    "HubError",
    "InvalidTransitionError",
    "NotFoundError",
    "OutsideGridsError",
    "PersistedQueryMismatchError",
    "PersistedQueryNotFoundError",
    "PurposeRequiredError",
    "RateLimitedError",
    "ReportRejectedError",
    "ServiceUnavailableError",
    "SubscriptionOverflowError",
    "UnauthenticatedError",
]


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    DEPTH_LIMIT_EXCEEDED = "DEPTH_LIMIT_EXCEEDED"
    TOKEN_LIMIT_EXCEEDED = "TOKEN_LIMIT_EXCEEDED"  # noqa: S105 - a code, not a secret
    ALIAS_LIMIT_EXCEEDED = "ALIAS_LIMIT_EXCEEDED"
    COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    SEPARATION_OF_DUTIES = "SEPARATION_OF_DUTIES"  # the one who resolved cannot verify
    DEPARTMENT_HAS_SYSTEM = "DEPARTMENT_HAS_SYSTEM"  # it works its orders in its own system
    PURPOSE_REQUIRED = "PURPOSE_REQUIRED"
    RATE_LIMITED = "RATE_LIMITED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    DOCUMENT_NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    LOCATION_OUTSIDE_GRIDS = "LOCATION_OUTSIDE_GRIDS"
    SUBSCRIPTION_OVERFLOW = "SUBSCRIPTION_OVERFLOW"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_FOUND = "NOT_FOUND"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"  # the hub's own database, for a moment
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    UPSTREAM_RATE_LIMITED = "UPSTREAM_RATE_LIMITED"
    UPSTREAM_CONTRACT_VIOLATION = "UPSTREAM_CONTRACT_VIOLATION"
    CONNECTOR_DISABLED = "CONNECTOR_DISABLED"
    # The request itself, before any GraphQL runs (GraphQL over HTTP; see docs/http.md).
    BAD_REQUEST = "BAD_REQUEST"  # the body or parameters are not a GraphQL request
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"  # not GET or POST; or a mutation over GET
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"  # Accept names no media type the hub answers in
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"  # a POST body that is not JSON
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    SUBSCRIPTION_NEEDS_STREAM = "SUBSCRIPTION_NEEDS_STREAM"  # not over SSE or WebSocket
    OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"  # which operation to run?


class HubError(Exception):
    """An error meant for the client, with a machine-readable code."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": self.code.value, **details}


class BadUserInputError(HubError):
    code = ErrorCode.BAD_USER_INPUT


class ReportRejectedError(BadUserInputError):
    """The report is not acceptable as given; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, argument=f"input.{field}")
        self.field = field


class OutsideGridsError(ReportRejectedError):
    """The location lies outside every grid of the registry."""

    code = ErrorCode.LOCATION_OUTSIDE_GRIDS


class InvalidTransitionError(HubError):
    """The step may not follow the event's current status; nothing was changed."""

    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, current: StrEnum, wanted: str, **details: Any) -> None:
        super().__init__(
            f"an event in {current.value} cannot go to {wanted}",
            currentStatus=current.value,
            **details,
        )
        self.current = current
        self.wanted = wanted

    @property
    def event_id(self) -> str | None:
        return self.extensions.get("eventId")

    @event_id.setter
    def event_id(self, value: str | None) -> None:  # set by whoever knows which event it was
        self.extensions["eventId"] = value


class NotFoundError(HubError):
    code = ErrorCode.NOT_FOUND


class SubscriptionOverflowError(HubError):
    """The stream was cut off; ``lastEventId`` says where to catch up from the ledger."""

    code = ErrorCode.SUBSCRIPTION_OVERFLOW


class UnauthenticatedError(HubError):
    code = ErrorCode.UNAUTHENTICATED


class ForbiddenError(HubError):
    code = ErrorCode.FORBIDDEN


class SeparationOfDutiesError(ForbiddenError):
    """One person may not both take a step and check it: whoever resolved an event
    cannot verify it (办结与核查分离)."""

    code = ErrorCode.SEPARATION_OF_DUTIES


class DepartmentHasSystemError(ForbiddenError):
    """A department with a system of its own works its orders there, not at a desk in the
    hub: two places to act would let the two disagree."""

    code = ErrorCode.DEPARTMENT_HAS_SYSTEM


class PurposeRequiredError(HubError):
    code = ErrorCode.PURPOSE_REQUIRED


class RateLimitedError(HubError):
    code = ErrorCode.RATE_LIMITED

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(f"rate limit reached; retry after {seconds} s", retryAfter=seconds)
        self.retry_after = seconds


class ServiceUnavailableError(HubError):
    """The hub cannot answer for a moment (its database is away): come back shortly.
    Nothing the client sent was accepted, so sending it again is safe."""

    code = ErrorCode.SERVICE_UNAVAILABLE
    RETRY_AFTER = 5

    def __init__(
        self, message: str = "the hub's database is unavailable; try again shortly"
    ) -> None:
        super().__init__(message, retryAfter=self.RETRY_AFTER)


class CostLimitExceededError(HubError):
    code = ErrorCode.COST_LIMIT_EXCEEDED


class PersistedQueryMismatchError(BadUserInputError):
    """A persisted query's text and hash disagree: a client bug, never registered."""


class PersistedQueryNotFoundError(HubError):
    """The automatic persisted queries protocol's miss: the message is the protocol's own."""

    code = ErrorCode.PERSISTED_QUERY_NOT_FOUND


class DocumentNotTrustedError(HubError):
    """Text that is not a trusted document, where only trusted documents run."""

    code = ErrorCode.DOCUMENT_NOT_TRUSTED
