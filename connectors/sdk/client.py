"""One upstream's HTTP client: breaker, timeout within the caller's deadline, retries.

Every attempt asks the breaker first, runs under the smaller of the connector's
timeout and what is left of the caller's deadline, and ends in one verdict that the
breaker, the metrics and the recent-calls window all hear. Idempotent calls are
retried with tenacity (exponential backoff with jitter, or the upstream's
``Retry-After``) while attempts and the deadline last; others go out once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
)
from tenacity.stop import stop_base

from connectors.sdk.auth import TokenRequestError
from connectors.sdk.breaker import CircuitBreaker
from connectors.sdk.budget import Deadline
from connectors.sdk.errors import (
    AttemptTimeoutError,
    ContractViolationError,
    RetryableUnavailableError,
    UpstreamError,
    UpstreamRateLimitedError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from connectors.sdk.http11 import AnswerTooLargeError
from connectors.sdk.metrics import ConnectorMetrics
from connectors.sdk.pagination import Params
from connectors.sdk.sending import Sender, upstream_transport
from connectors.sdk.settings import ConnectorSettings
from connectors.sdk.stats import CallWindow
from hub.core import telemetry
from hub.core.retrying import retried

MAX_BACKOFF = 2.0  # seconds; the query budget is a few seconds in all
Sleep = Callable[[float], Awaitable[None]]


class UpstreamClient:
    def __init__(  # noqa: PLR0913 - each is one collaborator a test may replace
        self,
        name: str,
        settings: ConnectorSettings,
        auth: httpx.Auth | None,
        metrics: ConnectorMetrics | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.name = name
        self.settings = settings
        self.breaker = CircuitBreaker(
            settings.breaker_failures, settings.breaker_reset_seconds, clock
        )
        self.window = CallWindow()
        self.auth = auth
        self._metrics = metrics
        self._sleep = sleep
        base_url = settings.base_url or ""
        # Built here, not by the tracing wrapper: a traced call keeps the proxy too.
        limit = settings.max_answer_bytes
        transport = transport or upstream_transport(base_url, limit)
        self._http = Sender(base_url, auth, telemetry.traced_transport(transport, name), limit)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(  # noqa: PLR0913 - the parts of one HTTP request
        self,
        method: str,
        path: str,
        deadline: Deadline,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = True,
        accept: Collection[int] = (),
    ) -> httpx.Response:
        """The response to a call that succeeded, answered 404, or answered one of
        ``accept`` (a refusal the caller reads); anything else raises."""

        async def attempt() -> httpx.Response:
            response, started = await self._attempt(method, path, deadline, params, json, headers)
            return self._judge(response, started, accept)

        if not idempotent:
            return await attempt()
        return await retried(attempt, lambda: self._retrying(deadline))

    def _retrying(self, deadline: Deadline) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_any(stop_after_attempt(self.settings.retries + 1), _Past(deadline)),
            wait=_wait(self.settings.backoff_seconds),
            retry=retry_if_exception(lambda error: getattr(error, "retryable", False)),
            sleep=self._sleep,
            reraise=True,
        )

    async def _attempt(
        self,
        method: str,
        path: str,
        deadline: Deadline,
        params: Params | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> tuple[httpx.Response, float]:
        """One attempt's response and when it started; failures to answer raise."""
        if not self.breaker.allow():
            raise self._refuse("circuit breaker is open", retryIn=round(self.breaker.retry_in, 3))
        timeout = min(self.settings.timeout_seconds, deadline.remaining)
        if timeout <= 0:
            self.breaker.released()
            raise UpstreamTimeoutError(self.name, "the query's time budget is spent")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                response = await self._http.request(
                    method, path, params=params, json=json, headers=headers, timeout_seconds=timeout
                )
        except (TimeoutError, httpx.TimeoutException):
            raise self._timed_out(started, timeout) from None
        except httpx.TransportError:
            raise self._failed(started, "unreachable", "could not be reached") from None
        except TokenRequestError as refused:
            raise self._token_refused(started, refused) from None
        except AnswerTooLargeError as refused:
            raise self._too_large(started, refused.limit) from None
        except BaseException:
            self.breaker.released()  # cancelled: no verdict on the upstream
            raise
        return response, started

    def _judge(
        self, response: httpx.Response, started: float, accept: Collection[int]
    ) -> httpx.Response:
        status = response.status_code
        if status < 400 or status == httpx.codes.NOT_FOUND or status in accept:
            self._verdict(started, "ok", up=True)
            return response
        if status == httpx.codes.TOO_MANY_REQUESTS:
            self._verdict(started, "rate_limited", up=None)
            wait = _retry_after(response.headers.get("retry-after"))
            raise UpstreamRateLimitedError(self.name, "is rate limiting the hub", wait)
        if status >= 500:
            raise self._failed(started, "server_error", f"answered {status}")
        if status in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            self._verdict(started, "refused", up=None)
            raise UpstreamUnavailableError(self.name, "refused the hub's credentials")
        self._verdict(started, "rejected", up=True)
        raise ContractViolationError(self.name, f"refused the hub's request ({status})")

    def _timed_out(self, started: float, timeout: float) -> UpstreamError:
        if timeout < self.settings.timeout_seconds:  # the caller's budget ran out, not ours
            self._verdict(started, "budget", up=None)
            return UpstreamTimeoutError(self.name, "the query's time budget ran out")
        self._verdict(started, "timeout", up=False)
        return AttemptTimeoutError(self.name, f"gave no answer within {timeout:g}s")

    def _token_refused(self, started: float, refused: TokenRequestError) -> UpstreamError:
        if refused.status >= 500:
            return self._failed(started, "server_error", "could not issue a token")
        self._verdict(started, "refused", up=None)
        return UpstreamUnavailableError(self.name, "refused the hub's credentials")

    def _too_large(self, started: float, limit: int) -> UpstreamError:
        """The system answers, more than the hub reads: like any answer outside the
        contract, not retried (it would be as long again) and not held against the
        breaker."""
        self._verdict(started, "ok", up=True)
        self.broke_contract()
        return ContractViolationError(self.name, f"answered more than {limit} bytes", limit=limit)

    def _failed(self, started: float, outcome: str, message: str) -> UpstreamError:
        self._verdict(started, outcome, up=False)
        return RetryableUnavailableError(self.name, message)

    def broke_contract(self) -> None:
        """An answer judged fine as HTTP broke the contract: readiness and the window
        count it as a failure. The breaker does not: the system answers, and each such
        answer is a typed error of its own."""
        self.window.record_unusable()
        if self._metrics is not None:
            self._metrics.violations.labels(self.name).inc()

    def _refuse(self, message: str, **details: Any) -> UpstreamError:
        self.window.record(0.0, ok=False)
        if self._metrics is not None:
            self._metrics.observe(self.name, "breaker_open", 0.0)
        return UpstreamUnavailableError(self.name, message, breaker="OPEN", **details)

    def _verdict(self, started: float, outcome: str, up: bool | None) -> None:
        """Tell the breaker (up, down, or no news), the window and the metrics."""
        if up is True:
            self.breaker.succeeded()
        elif up is False:
            self.breaker.failed()
        else:
            self.breaker.released()
        elapsed = time.perf_counter() - started
        self.window.record(elapsed, ok=outcome == "ok")
        if self._metrics is not None:
            self._metrics.observe(self.name, outcome, elapsed)


class _Past(stop_base):
    """Stop when the next wait would outlast the caller's deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return (retry_state.upcoming_sleep or 0.0) >= self._deadline.remaining


def _wait(base: float) -> Callable[[RetryCallState], float]:
    """Exponential backoff with full jitter on top, or what ``Retry-After`` asked for."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, UpstreamRateLimitedError) and error.retry_after is not None:
            return error.retry_after
        exponential: float = min(MAX_BACKOFF, base * 2.0 ** (state.attempt_number - 1))
        return exponential + random.uniform(0, base)  # noqa: S311 - jitter, not a secret

    return wait


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: either form RFC 9110 allows, or None if unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
