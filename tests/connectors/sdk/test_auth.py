"""Auth: keys and tokens reach the upstream, tokens are cached and refreshed; each flow
driven both by httpx's client and by the connectors' own sender."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from typing import Any, Protocol

import httpx
import pytest

from connectors.sdk import (
    ApiKeyAuth,
    BearerAuth,
    HmacSignatureAuth,
    OAuth2ClientCredentials,
    TokenRequestError,
)
from connectors.sdk.sending import Sender

Handler = Callable[[httpx.Request], httpx.Response]


class Caller(Protocol):
    async def get(self, url: str) -> httpx.Response: ...

    async def post(self, url: str, body: Any) -> httpx.Response: ...


class ByClient:
    def __init__(self, handler: Handler, auth: httpx.Auth) -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.MockTransport(handler), base_url="http://up.test", auth=auth
        )

    async def get(self, url: str) -> httpx.Response:
        return await self.http.get(url)

    async def post(self, url: str, body: Any) -> httpx.Response:
        return await self.http.post(url, json=body)


class BySender:
    def __init__(self, handler: Handler, auth: httpx.Auth) -> None:
        self.sender = Sender("http://up.test", auth, httpx.MockTransport(handler))

    async def get(self, url: str) -> httpx.Response:
        return await self.sender.request("GET", url, timeout_seconds=5)

    async def post(self, url: str, body: Any) -> httpx.Response:
        return await self.sender.request("POST", url, json=body, timeout_seconds=5)


Connect = Callable[[Handler, httpx.Auth], Caller]


@pytest.fixture(params=[ByClient, BySender], ids=["httpx client", "sender"])
def connect(request: pytest.FixtureRequest) -> Connect:
    made: Connect = request.param
    return made


class TokenServer:
    """An OAuth2 token endpoint and an API that accepts only the newest token."""

    def __init__(self, lifetime: int = 300) -> None:
        self.issued = 0
        self.lifetime = lifetime
        self.revoked: set[str] = set()
        self.api_calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            assert request.headers["authorization"].startswith("Basic ")
            assert b"grant_type=client_credentials" in request.content
            self.issued += 1
            token = f"token-{self.issued}"
            return httpx.Response(200, json={"access_token": token, "expires_in": self.lifetime})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        self.api_calls.append(token)
        if not token.startswith("token-") or token in self.revoked:
            return httpx.Response(401)
        return httpx.Response(200, json={"ok": True})


def oauth(now: list[float]) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        "http://up.test/oauth/token", "hub", "s3cret", leeway=30, clock=lambda: now[0]
    )


async def test_a_token_is_fetched_once_and_reused_until_near_expiry(connect: Connect) -> None:
    server, now = TokenServer(lifetime=300), [0.0]
    http = connect(server, oauth(now))
    for _ in range(3):
        assert (await http.get("/cases")).status_code == 200
    assert server.issued == 1
    now[0] = 271.0  # within the leeway of expiry: refreshed before it can fail
    assert (await http.get("/cases")).status_code == 200
    assert server.issued == 2
    assert server.api_calls == ["token-1"] * 3 + ["token-2"]


async def test_a_401_refreshes_the_token_once_and_repeats_the_call(connect: Connect) -> None:
    server, now = TokenServer(), [0.0]
    http = connect(server, oauth(now))
    await http.get("/cases")
    server.revoked.add("token-1")
    assert (await http.get("/cases")).status_code == 200
    assert server.api_calls == ["token-1", "token-1", "token-2"]


async def test_a_token_still_refused_after_refresh_is_the_answer(connect: Connect) -> None:
    server, now = TokenServer(), [0.0]
    server.revoked.update({"token-1", "token-2"})
    assert (await connect(server, oauth(now)).get("/cases")).status_code == 401
    assert server.issued == 2  # one refresh, not a loop


async def test_concurrent_calls_share_one_token_fetch(connect: Connect) -> None:
    server, now = TokenServer(), [0.0]
    http = connect(server, oauth(now))
    answers = await asyncio.gather(*(http.get("/cases") for _ in range(10)))
    assert {a.status_code for a in answers} == {200}
    assert server.issued == 1


async def test_a_refusing_token_endpoint_raises_a_typed_error(connect: Connect) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client"})

    with pytest.raises(TokenRequestError) as refused:
        await connect(refuse, oauth([0.0])).get("http://up.test/cases")
    assert refused.value.status == 401
    assert "s3cret" not in str(refused.value)


async def test_an_api_key_and_a_bearer_token_travel_in_their_headers(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    await connect(record, ApiKeyAuth("k", "X-Key")).get("http://up.test/a")
    await connect(record, BearerAuth("t")).get("http://up.test/b")
    assert seen[0].headers["x-key"] == "k"
    assert seen[1].headers["authorization"] == "Bearer t"


async def test_a_signed_request_signs_method_target_time_and_body(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    auth = HmacSignatureAuth("key-1", "secret", clock=lambda: 1_700_000_000.7)
    await connect(record, auth).post("http://up.test/fhir/Task?a=1,2&b=x", {"x": 1})
    assert seen[0].content == b'{"x":1}'
    request = seen[0]
    body_hash = hashlib.sha256(b'{"x":1}').hexdigest()
    text = f"POST\n/fhir/Task?a=1,2&b=x\n1700000000\n{body_hash}"
    expected = hmac.new(b"secret", text.encode(), hashlib.sha256).hexdigest()
    assert request.headers["x-key-id"] == "key-1"
    assert request.headers["x-timestamp"] == "1700000000"
    assert request.headers["x-signature"] == expected
