"""The authenticator's cache: callers that miss it together share one lookup."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette

from hub.core.errors import UnauthenticatedError
from hub.security.authenticator import Authenticator
from hub.security.keys import KEY_PREFIX, ApiKey

CALLERS = 200  # e.g. one key's subscriptions, all re-checking it as its entry expires


def counting_finds(authenticator: Authenticator, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The key store's lookups, recorded as they are made (each a database query)."""
    finds: list[str] = []
    find = authenticator.keys.find

    async def counted(credential: str) -> ApiKey | None:
        finds.append(credential)
        await asyncio.sleep(0.01)  # the query takes a while: the others arrive meanwhile
        return await find(credential)

    monkeypatch.setattr(authenticator.keys, "find", counted)
    return finds


@pytest.fixture
def authenticator(app: Starlette) -> Authenticator:
    found: Any = app.state.services.security.authenticator
    found.forget()
    return found  # type: ignore[no-any-return]


async def test_callers_that_miss_the_cache_together_share_one_lookup(
    authenticator: Authenticator, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    finds = counting_finds(authenticator, monkeypatch)
    key = keys["command"]
    principals = await asyncio.gather(*(authenticator.authenticate(key) for _ in range(CALLERS)))
    assert finds == [key]
    assert {p.id for p in principals} == {principals[0].id}
    assert await authenticator.still_valid(key)  # now cached: no further lookup
    assert finds == [key]


async def test_a_shared_lookup_that_refuses_refuses_every_caller_and_is_not_kept(
    authenticator: Authenticator, monkeypatch: pytest.MonkeyPatch
) -> None:
    finds = counting_finds(authenticator, monkeypatch)
    unknown = KEY_PREFIX + "x" * 40
    answers = await asyncio.gather(
        *(authenticator.authenticate(unknown) for _ in range(CALLERS)), return_exceptions=True
    )
    assert all(isinstance(answer, UnauthenticatedError) for answer in answers)
    assert len(finds) == 1
    assert not await authenticator.still_valid(unknown)
    assert len(finds) == 2  # a refusal is asked again, not remembered
