"""What can go wrong upstream, as the graph reports it.

    HubError (hub.core.errors)
     └─ UpstreamError                 a department system failed a call
         ├─ UpstreamUnavailableError  UPSTREAM_UNAVAILABLE: unreachable, 5xx, refused
         │   │                        credentials, or its circuit breaker is open
         │   └─ ConnectorDisabledError  CONNECTOR_DISABLED: switched off in the settings
         ├─ UpstreamTimeoutError      UPSTREAM_TIMEOUT: the call or the query's budget ran out
         ├─ UpstreamRateLimitedError  UPSTREAM_RATE_LIMITED: 429 longer than the budget can wait
         └─ ContractViolationError    UPSTREAM_CONTRACT_VIOLATION: the answer breaks the contract
             └─ PaginationLoopError   the same page token came back twice

Every error names its connector in ``extensions.connector``. Messages are written
here, never copied from a response or a URL, so no credential can reach a client.
"""

from __future__ import annotations

from typing import Any

from hub.core.errors import ErrorCode, HubError


class UpstreamError(HubError):
    retryable = False  # whether another attempt of the same call may succeed

    def __init__(self, connector: str, message: str, **details: Any) -> None:
        super().__init__(f"{connector}: {message}", connector=connector, **details)
        self.connector = connector


class UpstreamUnavailableError(UpstreamError):
    code = ErrorCode.UPSTREAM_UNAVAILABLE


class RetryableUnavailableError(UpstreamUnavailableError):
    """A failure that another attempt may not meet: a dropped connection, a 5xx."""

    retryable = True


class ConnectorDisabledError(UpstreamUnavailableError):
    code = ErrorCode.CONNECTOR_DISABLED


class UpstreamTimeoutError(UpstreamError):
    code = ErrorCode.UPSTREAM_TIMEOUT


class AttemptTimeoutError(UpstreamTimeoutError):
    """One attempt ran out of time; the next may be quicker if the budget allows it."""

    retryable = True


class UpstreamRateLimitedError(UpstreamError):
    code = ErrorCode.UPSTREAM_RATE_LIMITED
    retryable = True

    def __init__(self, connector: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(connector, message)
        self.retry_after = retry_after


class ContractViolationError(UpstreamError):
    code = ErrorCode.UPSTREAM_CONTRACT_VIOLATION


class PaginationLoopError(ContractViolationError):
    pass
