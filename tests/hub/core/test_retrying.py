"""The first attempt outside tenacity's loop: the policy sees every attempt it saw before."""

from __future__ import annotations

import pytest
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_none

from hub.core.retrying import retried


class FlakyError(Exception):
    pass


class RefusedError(Exception):
    pass


class Calls:
    """Fails with each of ``errors`` in turn, then answers its count."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.count = 0

    async def __call__(self) -> int:
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.count


class Policy:
    """A tenacity policy that remembers the loops it made."""

    def __init__(self, attempts: int = 3) -> None:
        self.attempts = attempts
        self.made: list[AsyncRetrying] = []

    def __call__(self) -> AsyncRetrying:
        loop = AsyncRetrying(
            retry=retry_if_exception_type(FlakyError),
            stop=stop_after_attempt(self.attempts),
            wait=wait_none(),
            reraise=True,
        )
        self.made.append(loop)
        return loop


async def test_a_first_attempt_that_succeeds_makes_no_loop() -> None:
    calls, policy = Calls(), Policy()
    assert await retried(calls, policy) == 1
    assert policy.made == []


async def test_a_failed_first_attempt_counts_as_the_loops_first() -> None:
    calls, policy = Calls(FlakyError(), FlakyError()), Policy()
    assert await retried(calls, policy) == 3
    assert calls.count == 3
    assert policy.made[0].statistics["attempt_number"] == 3


async def test_the_loop_stops_after_the_attempts_it_allows_in_all() -> None:
    calls = Calls(*(FlakyError(str(n)) for n in range(1, 5)))
    policy = Policy(attempts=3)
    with pytest.raises(FlakyError, match="3"):
        await retried(calls, policy)
    assert calls.count == 3


async def test_an_error_the_policy_does_not_retry_is_raised_after_one_call() -> None:
    refusal = RefusedError()
    calls = Calls(refusal)
    with pytest.raises(RefusedError) as raised:
        await retried(calls, Policy())
    assert raised.value is refusal
    assert calls.count == 1
