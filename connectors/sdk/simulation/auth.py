"""How simulated systems check who is calling: one class per scheme.

An ``Authenticator`` names the caller (``client``: the rate limiter's key, read before
any check) and checks the credentials (``check``: raises a 401 ``SimulatorError``).
Schemes that need endpoints of their own, as OAuth2 needs its token endpoint, give
them in ``routes``; those are public.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from connectors.sdk.simulation.clock import Clock
from connectors.sdk.simulation.errors import SimulatorError


class Authenticator(Protocol):
    def client(self, request: Request, body: bytes) -> str | None:
        """Who the request says it comes from, unverified; None when it does not say."""
        ...

    def check(self, request: Request, body: bytes) -> None:
        """Raise a 401 ``SimulatorError`` unless the credentials are right."""
        ...

    def routes(self) -> list[BaseRoute]:
        """Public endpoints the scheme needs, such as a token endpoint."""
        ...


def _unauthorized(message: str, challenge: str | None = None) -> SimulatorError:
    headers = {"WWW-Authenticate": challenge} if challenge else None
    return SimulatorError(401, message, headers)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


class ApiKeyAuth:
    """A fixed key in a header; ``keys`` maps each key to its client's name."""

    def __init__(self, keys: Mapping[str, str], header: str = "X-API-Key") -> None:
        self._keys = dict(keys)
        self._header = header

    def client(self, request: Request, body: bytes) -> str | None:
        return self._keys.get(request.headers.get(self._header, ""))

    def check(self, request: Request, body: bytes) -> None:
        given = request.headers.get(self._header)
        if not given:
            raise _unauthorized(f"missing {self._header} header")
        if not any(_same(given, key) for key in self._keys):
            raise _unauthorized("unknown API key")

    def routes(self) -> list[BaseRoute]:
        return []


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """User name and password from an HTTP Basic ``Authorization`` header."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, separator, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if separator else None


class BasicAuth:
    """HTTP Basic; ``users`` maps user names to passwords."""

    def __init__(self, users: Mapping[str, str], realm: str = "simulator") -> None:
        self._users = dict(users)
        self._challenge = f'Basic realm="{realm}", charset="UTF-8"'

    def client(self, request: Request, body: bytes) -> str | None:
        credentials = basic_credentials(request)
        return credentials[0] if credentials else None

    def check(self, request: Request, body: bytes) -> None:
        credentials = basic_credentials(request)
        if credentials is None:
            raise _unauthorized("missing HTTP Basic credentials", self._challenge)
        user, password = credentials
        if not _same(password, self._users.get(user, secrets.token_hex(8))):
            raise _unauthorized("wrong user name or password", self._challenge)

    def routes(self) -> list[BaseRoute]:
        return []


class OAuth2ClientCredentials:
    """An OAuth2 authorisation server for the client-credentials grant, and the bearer
    check of the API it protects. Tokens expire after ``ttl_seconds`` of ``clock`` time."""

    def __init__(
        self,
        clients: Mapping[str, str],
        clock: Clock,
        ttl_seconds: float = 300.0,
        token_path: str = "/oauth/token",  # noqa: S107 - a path, not a password
        scope: str = "",
    ) -> None:
        self._clients = dict(clients)
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._path = token_path
        self._scope = scope
        self._tokens: dict[str, tuple[str, datetime]] = {}  # token -> (client, expires at)

    def client(self, request: Request, body: bytes) -> str | None:
        token = _bearer(request)
        if token is not None:
            return self._tokens.get(token, ("", self._clock.now()))[0] or None
        credentials = basic_credentials(request)
        if credentials:
            return credentials[0]
        return dict(parse_qsl(body.decode(errors="replace"))).get("client_id")

    def check(self, request: Request, body: bytes) -> None:
        token = _bearer(request)
        if token is None:
            raise _unauthorized("missing bearer token", 'Bearer realm="api"')
        client, expires = self._tokens.get(token, ("", self._clock.now()))
        if not client:
            raise _unauthorized("unknown access token", 'Bearer error="invalid_token"')
        if self._clock.now() >= expires:
            raise _unauthorized(
                "the access token expired",
                'Bearer error="invalid_token", error_description="The access token expired"',
            )

    def routes(self) -> list[BaseRoute]:
        return [Route(self._path, self._issue, methods=["POST"])]

    async def _issue(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(errors="replace")))
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials")
        client = basic_credentials(request) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if not client[0] or not _same(
            client[1], self._clients.get(client[0], secrets.token_hex(8))
        ):
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        now = self._clock.now()
        self._tokens = {t: held for t, held in self._tokens.items() if held[1] > now}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (client[0], now + self._ttl)
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": max(1, round(self._ttl.total_seconds())),
            "scope": form.get("scope") or self._scope,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _oauth_error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status)


EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def request_target(scope: Scope) -> str:
    """The request target as sent: the raw path, and the raw query string if any."""
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.split(b"?")[0].decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def string_to_sign(method: str, target: str, timestamp: str, body: bytes) -> str:
    return "\n".join((method.upper(), target, timestamp, hashlib.sha256(body).hexdigest()))


def hmac_signature(secret: str, method: str, target: str, timestamp: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of the string to sign: what ``X-Signature`` carries."""
    message = string_to_sign(method, target, timestamp, body).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class HmacAuth:
    """Signed requests: ``X-Key-Id``, ``X-Timestamp`` (Unix seconds) and ``X-Signature``
    (see ``hmac_signature``); a timestamp more than ``window_seconds`` off is refused."""

    def __init__(self, keys: Mapping[str, str], clock: Clock, window_seconds: int = 300) -> None:
        self._keys = dict(keys)
        self._clock = clock
        self._window = window_seconds

    def client(self, request: Request, body: bytes) -> str | None:
        return request.headers.get("X-Key-Id")

    def check(self, request: Request, body: bytes) -> None:
        key_id = request.headers.get("X-Key-Id")
        timestamp = request.headers.get("X-Timestamp", "")
        signature = request.headers.get("X-Signature")
        if not key_id or not timestamp or not signature:
            raise _unauthorized("X-Key-Id, X-Timestamp and X-Signature are required")
        if key_id not in self._keys:
            raise _unauthorized("unknown key id")
        if not timestamp.isdigit() or abs(int(timestamp) - self._now()) > self._window:
            raise _unauthorized(f"X-Timestamp must be within {self._window} s of the server clock")
        target = request_target(request.scope)
        expected = hmac_signature(self._keys[key_id], request.method, target, timestamp, body)
        if not _same(signature.lower(), expected):
            raise _unauthorized("wrong signature")

    def routes(self) -> list[BaseRoute]:
        return []

    def _now(self) -> int:
        return int(self._clock.now().timestamp())
