"""How a connector proves who it is: ``httpx.Auth`` implementations.

A connector builds one auth object at start and its client uses it for every call, so
a token fetched once serves every request until it nears expiry. To support another
scheme, subclass ``httpx.Auth`` and override ``auth_flow`` (or ``async_auth_flow`` when
the flow must fetch something, as ``OAuth2ClientCredentials`` does).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncGenerator, Callable, Generator

import httpx

from hub.core.jsonbody import decode_json

Clock = Callable[[], float]


class ApiKeyAuth(httpx.Auth):
    """A fixed key in a header (``X-API-Key`` unless told otherwise)."""

    def __init__(self, key: str, header: str = "X-API-Key") -> None:
        self._key = key
        self._header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._key
        yield request


class BearerAuth(httpx.Auth):
    """A fixed bearer token, for systems that issue long-lived tokens by hand."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


class TokenRequestError(Exception):
    """The token endpoint would not issue a token; ``status`` is its HTTP status."""

    def __init__(self, status: int, reason: str = "refused") -> None:
        super().__init__(f"the token endpoint {reason} ({status})")
        self.status = status


class OAuth2ClientCredentials(httpx.Auth):
    """OAuth 2.0 client credentials (RFC 6749 §4.4) with a cached bearer token.

    The token is fetched on first use and again ``leeway`` seconds before it expires,
    so calls rarely meet an expired one; a 401 still refreshes it once and repeats the
    call, for tokens revoked early. One lock makes concurrent calls share one fetch.
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None = None,
        leeway: float = 30.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._credentials = httpx.BasicAuth(client_id, client_secret)
        self._scope = scope
        self._leeway = leeway
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0  # tokens fetched so far; read by tests and metrics

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("OAuth2ClientCredentials is for async clients only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._stale():
            async with self._lock:
                if self._stale():
                    await self._store((yield self._token_request()))
        token = self._token
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != httpx.codes.UNAUTHORIZED:
            return
        async with self._lock:
            if self._token == token:  # nobody refreshed it meanwhile
                await self._store((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def _stale(self) -> bool:
        return self._token is None or self._clock() >= self._expires_at - self._leeway

    def _token_request(self) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        request = httpx.Request("POST", self._token_url, data=form)
        return next(self._credentials.auth_flow(request))

    async def _store(self, response: httpx.Response) -> None:
        await response.aread()  # overriding async_auth_flow leaves reading bodies to us
        if response.status_code != httpx.codes.OK:
            raise TokenRequestError(response.status_code)
        try:
            body = decode_json(response.content)
            token, lifetime = str(body["access_token"]), float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise TokenRequestError(response.status_code, "sent no usable token") from error
        self._token = token
        self._expires_at = self._clock() + lifetime
        self.fetches += 1


class HmacSignatureAuth(httpx.Auth):
    """Each request signed with HMAC-SHA256 over its method, target, time and body.

    Sends ``X-Key-Id``, ``X-Timestamp`` (Unix seconds) and ``X-Signature``: lowercase hex
    of HMAC-SHA256(secret, METHOD\\nTARGET\\nTIMESTAMP\\nhex(SHA-256(body))), where TARGET
    is the path and query exactly as sent. Nothing is cached: each signature is fresh.
    """

    requires_request_body = True

    def __init__(self, key_id: str, secret: str, clock: Clock = time.time) -> None:
        self._key_id = key_id
        self._secret = secret.encode()
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(int(self._clock()))
        target = request.url.raw_path.decode("ascii")
        digest = hashlib.sha256(request.content).hexdigest()
        text = "\n".join((request.method, target, timestamp, digest))
        signature = hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()
        request.headers.update(
            {"X-Key-Id": self._key_id, "X-Timestamp": timestamp, "X-Signature": signature}
        )
        yield request
