"""Calling upstream: retries, Retry-After, the breaker, the budget and typed failures."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from prometheus_client import CollectorRegistry

from connectors.sdk import (
    BreakerState,
    Call,
    Connectors,
    ConnectorsSettings,
    ContractViolationError,
    Health,
    UpstreamRateLimitedError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from connectors.sdk.metrics import ConnectorMetrics
from connectors.sdk.runtime import DEGRADED_ERROR_RATE
from hub.core.errors import ErrorCode
from tests.connectors.sdk.fake import (
    FakeConnector,
    Handler,
    Items,
    answer,
    connector,
    item,
    settings,
    state_of,
)


def counting(*responses: httpx.Response) -> tuple[list[httpx.Request], Handler]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return seen, handler


async def test_a_page_is_fetched_with_the_key_and_validated() -> None:
    seen, handler = counting(answer({"items": [item(1), item(2)], "next": None}))
    fake = connector(handler)
    records = await fake.fetch(Items, Call.within(1.0), {"area": "A1"})
    assert [r["id"] for r in records] == ["i1", "i2"]
    assert seen[0].headers["x-api-key"] == "k-123"
    assert seen[0].url.params["area"] == "A1"


async def test_retries_stop_after_the_configured_attempts() -> None:
    sleeps: list[float] = []
    seen, handler = counting(answer({"error": "x"}, 503))
    fake = connector(handler, sleeps, retries=2, backoff_seconds=0.01)
    with pytest.raises(UpstreamUnavailableError) as failure:
        await fake.fetch(Items, Call.within(5.0))
    assert len(seen) == 3
    assert len(sleeps) == 2
    assert failure.value.extensions == {
        "code": ErrorCode.UPSTREAM_UNAVAILABLE.value,
        "connector": "fake",
    }


async def test_a_retry_honours_retry_after() -> None:
    sleeps: list[float] = []
    _, handler = counting(
        answer({"error": "slow down"}, 429, **{"Retry-After": "1"}),
        answer({"items": [item(1)]}),
    )
    fake = connector(handler, sleeps)
    records = await fake.fetch(Items, Call.within(5.0))
    assert len(records) == 1
    assert sleeps == [1.0]


async def test_rate_limiting_longer_than_the_budget_is_reported_at_once() -> None:
    seen, handler = counting(answer({"error": "slow down"}, 429, **{"Retry-After": "30"}))
    fake = connector(handler)
    with pytest.raises(UpstreamRateLimitedError) as failure:
        await fake.fetch(Items, Call.within(2.0))
    assert len(seen) == 1
    assert failure.value.extensions["code"] == "UPSTREAM_RATE_LIMITED"


async def test_a_refused_request_is_not_retried() -> None:
    seen, handler = counting(answer({"error": "bad"}, 400))
    fake = connector(handler)
    with pytest.raises(ContractViolationError):
        await fake.fetch(Items, Call.within(2.0))
    assert len(seen) == 1


async def test_refused_credentials_are_reported_without_the_credential() -> None:
    seen, handler = counting(answer({"error": "who?"}, 401))
    fake = connector(handler)
    with pytest.raises(UpstreamUnavailableError) as failure:
        await fake.fetch(Items, Call.within(2.0))
    assert "k-123" not in str(failure.value)
    assert "k-123" not in str(failure.value.extensions)
    assert len(seen) == 1


async def test_a_hanging_upstream_costs_the_budget_and_no_more() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(60)
        raise AssertionError("unreachable")

    fake = connector(hang, timeout_seconds=5.0)
    started = time.perf_counter()
    with pytest.raises(UpstreamTimeoutError) as failure:
        await fake.fetch(Items, Call.within(0.2))
    assert time.perf_counter() - started < 0.6
    assert failure.value.extensions["code"] == "UPSTREAM_TIMEOUT"
    # the budget, not the upstream, ran out: the breaker has heard nothing against it
    assert state_of(fake.client.breaker) is BreakerState.CLOSED


async def test_a_slow_attempt_is_retried_within_the_budget() -> None:
    calls = 0

    async def slow_once(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(60)
        return answer({"items": [item(1)]})

    fake = connector(slow_once, timeout_seconds=0.1)
    assert len(await fake.fetch(Items, Call.within(2.0))) == 1
    assert calls == 2


async def test_the_breaker_opens_fails_fast_and_recovers() -> None:
    now = [0.0]
    healthy = [False]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer({"items": []}) if healthy[0] else answer({"error": "down"}, 503)

    fake = FakeConnector(
        settings(retries=0, breaker_failures=3, breaker_reset_seconds=10),
        transport=httpx.MockTransport(handler),
        clock=lambda: now[0],
    )
    for _ in range(3):
        with pytest.raises(UpstreamUnavailableError):
            await fake.fetch(Items, Call.within(1.0))
    assert state_of(fake.client.breaker) is BreakerState.OPEN
    with pytest.raises(UpstreamUnavailableError) as fast:
        await fake.fetch(Items, Call.within(1.0))
    assert fast.value.extensions["breaker"] == "OPEN"
    assert len(seen) == 3  # the open breaker kept the call home
    healthy[0] = True
    now[0] = 11.0
    assert state_of(fake.client.breaker) is BreakerState.HALF_OPEN
    assert await fake.fetch(Items, Call.within(1.0)) == []
    assert state_of(fake.client.breaker) is BreakerState.CLOSED


async def test_an_answer_outside_the_contract_is_a_typed_error_naming_no_value() -> None:
    _, handler = counting(answer({"items": [{"id": 7, "at": "secret-name", "area": "A1"}]}))
    fake = connector(handler)
    with pytest.raises(ContractViolationError) as failure:
        await fake.fetch(Items, Call.within(1.0))
    assert failure.value.extensions["code"] == "UPSTREAM_CONTRACT_VIOLATION"
    assert failure.value.extensions["where"] == "$.items[0].id"
    assert "secret-name" not in str(failure.value) + str(failure.value.extensions)


async def test_an_answer_that_is_not_json_is_a_contract_violation() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"items": [')

    fake = connector(handler)
    with pytest.raises(ContractViolationError):
        await fake.fetch(Items, Call.within(1.0))


async def test_an_answer_longer_than_the_limit_is_a_contract_violation_not_retried() -> None:
    long_page = {"items": [item(n) for n in range(40)], "next": None}
    seen, handler = counting(answer(long_page))
    fake = connector(handler, retries=2, max_answer_bytes=1024)
    connectors = Connectors([fake], ConnectorsSettings())
    with pytest.raises(ContractViolationError, match="more than 1024 bytes") as failure:
        await fake.fetch(Items, Call.within(1.0))
    assert failure.value.extensions["limit"] == 1024
    assert len(seen) == 1  # as long again on another try
    status = connectors.status(fake)
    assert (status.health, status.breaker) == (Health.DEGRADED, BreakerState.CLOSED)
    roomy = connector(counting(answer(long_page))[1], max_answer_bytes=64 * 1024)
    assert len(await roomy.fetch(Items, Call.within(1.0))) == 40


@pytest.mark.parametrize(
    "garbled",
    [
        httpx.Response(200, content=b'{"items": ['),
        answer({"items": [{"id": 7, "at": "2026-09-01T08:00:00+08:00", "area": "A1"}]}),
    ],
    ids=["not-json", "outside-the-contract"],
)
async def test_a_system_answering_garbage_is_degraded_not_up(garbled: httpx.Response) -> None:
    registry = CollectorRegistry()
    fake = FakeConnector(
        settings(retries=0),
        ConnectorMetrics(registry),
        transport=httpx.MockTransport(lambda _: garbled),
    )
    connectors = Connectors([fake], ConnectorsSettings())
    assert connectors.status(fake).health is Health.UP
    for _ in range(3):
        with pytest.raises(ContractViolationError):
            await fake.fetch(Items, Call.within(1.0))
    status = connectors.status(fake)
    assert status.health is Health.DEGRADED  # it answers, so not DOWN: each answer is typed
    assert status.breaker is BreakerState.CLOSED
    assert status.recent.calls == 3  # the HTTP calls; the broken answers count as failures
    assert status.recent.error_rate == pytest.approx(0.5)
    assert (
        registry.get_sample_value("hub_upstream_contract_violations_total", {"connector": "fake"})
        == 3
    )


async def test_a_garbled_answer_after_many_good_ones_is_degraded_until_a_good_one() -> None:
    garbled = [False]

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>") if garbled[0] else answer({"items": []})

    fake = connector(handler)
    connectors = Connectors([fake], ConnectorsSettings())
    for n in range(50):  # a window full of good answers, as before an outage
        await fake.fetch(Items, Call.within(1.0), {"area": f"B{n}"})
    garbled[0] = True
    with pytest.raises(ContractViolationError):
        await fake.fetch(Items, Call.within(1.0), {"area": "A2"})  # not the cached answer
    assert connectors.status(fake).recent.error_rate < DEGRADED_ERROR_RATE
    assert connectors.status(fake).health is Health.DEGRADED  # the latest answer says
    garbled[0] = False
    assert await fake.fetch(Items, Call.within(1.0), {"area": "A3"}) == []
    assert connectors.status(fake).health is Health.UP


async def test_the_cache_serves_one_caller_and_never_another() -> None:
    seen, handler = counting(answer({"items": [item(1)]}))
    fake = connector(handler, cache_ttl_seconds=60)
    await fake.fetch(Items, Call.within(1.0, scope="alice"))
    await fake.fetch(Items, Call.within(1.0, scope="alice"))
    assert len(seen) == 1
    await fake.fetch(Items, Call.within(1.0, scope="bob"))
    assert len(seen) == 2


async def test_a_lookup_by_key_answers_none_for_404() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/items/i1":
            return answer(item(1))
        return answer({"error": "no"}, 404)

    fake = connector(handler)
    found = await fake.fetch_one(Items, "i1", Call.within(1.0))
    assert found is not None
    assert found["id"] == "i1"
    assert await fake.fetch_one(Items, "i9", Call.within(1.0)) is None


async def test_a_disabled_or_unconfigured_connector_says_so() -> None:
    seen, handler = counting(answer({"items": []}))
    off = connector(handler, enabled=False)
    with pytest.raises(UpstreamUnavailableError) as disabled:
        await off.fetch(Items, Call.within(1.0))
    assert disabled.value.extensions["code"] == "CONNECTOR_DISABLED"
    keyless = connector(handler, credentials={})
    with pytest.raises(UpstreamUnavailableError) as unconfigured:
        await keyless.fetch(Items, Call.within(1.0))
    assert unconfigured.value.extensions["reason"] == "credential api_key is not set"
    assert seen == []
