"""JWTs from the city's identity provider (OIDC) and from OAuth2 client credentials.

Checked: the issuer is one configured, the algorithm is on that issuer's allow-list
(asymmetric only), the signature verifies against a key from the issuer's JWKS, the
audience is the hub, and the token is neither expired nor not yet valid. The JWKS is
cached; an unknown ``kid`` refetches it (key rotation), at most once per
``jwks_min_refetch_seconds`` so random kids cannot make the hub hammer the issuer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from hub.core.errors import UnauthenticatedError
from hub.security.settings import IssuerSettings, SecuritySettings

_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAudienceError, "token audience is not this hub"),
    (jwt.InvalidIssuerError, "token issuer not accepted"),
    (jwt.InvalidSignatureError, "token signature invalid"),
    (jwt.MissingRequiredClaimError, "token lacks a required claim"),
    (jwt.InvalidAlgorithmError, "token algorithm not allowed"),
)
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


def refuse(reason: str) -> UnauthenticatedError:
    return UnauthenticatedError(f"not authenticated: {reason}", reason=reason)


class KeySet:
    """One issuer's signing keys, fetched from its JWKS endpoint and cached."""

    def __init__(self, url: str, http: httpx.AsyncClient, settings: SecuritySettings) -> None:
        self.url = url
        self.http = http
        self.refresh_after = settings.jwks_refresh_seconds
        self.min_refetch = settings.jwks_min_refetch_seconds
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at = -float("inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        stale = time.monotonic() - self.fetched_at > self.refresh_after
        if stale or kid not in self.keys:
            await self._refetch(force=stale)
        if kid not in self.keys:
            raise refuse("token signed with an unknown key")
        return self.keys[kid]

    async def _refetch(self, *, force: bool) -> None:
        async with self._lock:
            if not force and time.monotonic() - self.fetched_at < self.min_refetch:
                return  # fetched a moment ago, maybe by the request we queued behind
            await self.fetch()

    async def fetch(self) -> None:
        try:
            response = await self.http.get(self.url)
            response.raise_for_status()
            keys = _parse_jwks(response.json())
        except (httpx.HTTPError, ValueError) as error:
            self.fetched_at = time.monotonic()  # back off; keep the keys we had
            if not self.keys:
                raise refuse("the issuer's signing keys are unavailable") from error
            return
        self.keys, self.fetched_at = keys, time.monotonic()


def _parse_jwks(document: Any) -> dict[str, jwt.PyJWK]:
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("a JWKS has a 'keys' list")
    keys = {}
    for entry in entries:
        if isinstance(entry, dict) and entry.get("kid") and entry.get("use", "sig") == "sig":
            try:
                keys[str(entry["kid"])] = jwt.PyJWK(entry)
            except jwt.PyJWKError:
                continue  # a key type this hub cannot use; the others still can
    return keys


class TokenValidator:
    def __init__(self, settings: SecuritySettings, http: httpx.AsyncClient) -> None:
        self.issuers = {issuer.issuer: issuer for issuer in settings.issuers}
        self.key_sets = {
            issuer.issuer: KeySet(issuer.jwks_url, http, settings) for issuer in settings.issuers
        }

    async def claims(self, token: str) -> dict[str, Any]:
        """The token's claims once every check passes; raises UnauthenticatedError."""
        header, unverified = _peek(token)
        issuer = self.issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise refuse("token issuer not accepted")
        algorithm = header.get("alg")
        if algorithm not in issuer.algorithms:
            raise refuse(f"token algorithm {algorithm} not allowed")
        key = await self.key_sets[issuer.issuer].key(str(header.get("kid")))
        return _decode(token, key, algorithm, issuer)


def _peek(token: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise refuse("malformed token") from error
    return header, claims


def _decode(token: str, key: jwt.PyJWK, algorithm: str, issuer: IssuerSettings) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=issuer.audience,
            issuer=issuer.issuer,
            leeway=issuer.leeway_seconds,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as error:
        reason = next((r for kind, r in _REASONS if isinstance(error, kind)), "token invalid")
        raise refuse(reason) from error
