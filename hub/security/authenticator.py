"""From credentials to a principal, cached briefly so the request path rarely waits.

Accepted credentials: ``Authorization: Bearer <JWT>``, ``Authorization: Bearer <API key>``
or ``X-API-Key: <API key>``. A principal is cached for ``principal_cache_seconds``
(and never past its token's expiry); that is also the bound on how long a revoked key
keeps working on a replica, since revocation is read from the shared database.
Callers that miss the cache together share one lookup: thousands of long-lived
subscriptions of one key re-check it at the same moment when its entry expires.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from hub.db.types import utcnow
from hub.security.keys import ApiKey, ApiKeyStore, looks_like_key
from hub.security.principal import UNRESTRICTED, GridScope, Principal, PrincipalKind
from hub.security.roles import RoleError, Roles
from hub.security.tokens import TokenValidator, refuse

MAX_CACHED = 10_000  # principals; a flood of distinct bad credentials cannot grow it past this


def credential_from(headers: Mapping[str, str]) -> str | None:
    """The credential a request carries, from lower-cased header names."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() in ("bearer", "apikey") and value.strip():
        return value.strip()
    return headers.get("x-api-key") or None


class Authenticator:
    def __init__(
        self, keys: ApiKeyStore, tokens: TokenValidator, roles: Roles, cache_seconds: float
    ) -> None:
        self.keys = keys
        self.tokens = tokens
        self.roles = roles
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._looking_up: dict[str, asyncio.Future[Principal]] = {}

    async def authenticate(self, credential: str) -> Principal:
        """The principal behind a credential; raises UnauthenticatedError."""
        now = time.monotonic()
        cached = self._cache.get(credential)
        if cached and cached[0] > now:
            return cached[1]
        principal = await asyncio.shield(self._shared_lookup(credential))
        self._remember(credential, principal, now)
        return principal

    def _shared_lookup(self, credential: str) -> asyncio.Future[Principal]:
        """The lookup under way for ``credential``, started if none is."""
        pending = self._looking_up.get(credential)
        if pending is None:
            pending = asyncio.ensure_future(self._lookup(credential))
            self._looking_up[credential] = pending
            pending.add_done_callback(lambda _: self._looking_up.pop(credential, None))
        return pending

    async def still_valid(self, credential: str) -> bool:
        """For long-lived connections: whether the credential would be accepted now."""
        try:
            await self.authenticate(credential)
        except Exception:
            return False
        return True

    def forget(self) -> None:
        self._cache.clear()

    async def _lookup(self, credential: str) -> Principal:
        if looks_like_key(credential):
            return await self._key_principal(credential)
        return self.from_claims(await self.tokens.claims(credential))

    async def _key_principal(self, credential: str) -> Principal:
        key = await self.keys.find(credential)
        if key is None:
            raise refuse("unknown API key")
        if not key.usable(utcnow()):
            raise refuse("API key revoked or expired")
        return self._principal_of_key(key)

    def _principal_of_key(self, key: ApiKey) -> Principal:
        grid_scoped = self.roles.grid_scoped(key.roles)
        return Principal(
            id=f"key:{key.id}",
            kind=PrincipalKind.WORKER if grid_scoped else PrincipalKind.SERVICE,
            name=key.name,
            roles=key.roles,
            scopes=self.roles.scopes(key.roles, key.department),
            grids=GridScope(key.grids) if grid_scoped else UNRESTRICTED,
            department=key.department,
            expires_at=key.expires_at,
            root_fields=self.roles.root_fields(key.roles),
        )

    def from_claims(self, claims: Mapping[str, Any]) -> Principal:
        roles = tuple(r for r in _strings(claims.get("roles")) if r in self.roles.by_name)
        department = claims.get("department")
        grids = tuple(_strings(claims.get("grids")))
        try:
            scopes = self.roles.scopes(roles, department)
        except RoleError as error:
            raise refuse(str(error)) from error
        direct = {
            s
            for s in _strings(claims.get("scope") or claims.get("scp"))
            if s in self.roles.vocabulary
        }
        grid_scoped = self.roles.grid_scoped(roles)
        if grid_scoped and not grids:
            raise refuse("a grid worker's token must name their grids")
        return Principal(
            id=f"{claims['iss']}|{claims['sub']}",
            kind=_kind(claims, grid_scoped),
            name=str(claims.get("name") or claims.get("preferred_username") or claims["sub"]),
            roles=roles,
            scopes=scopes | direct,
            grids=GridScope(grids) if grid_scoped else UNRESTRICTED,
            department=department,
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            root_fields=self.roles.root_fields(roles),
        )

    def _remember(self, credential: str, principal: Principal, now: float) -> None:
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        until = now + self.cache_seconds
        if principal.expires_at is not None:
            left = (principal.expires_at - utcnow()).total_seconds()
            until = min(until, now + left)
        self._cache[credential] = (until, principal)


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(item) for item in value]
    return ()


def _kind(claims: Mapping[str, Any], grid_scoped: bool) -> PrincipalKind:
    if grid_scoped:
        return PrincipalKind.WORKER
    if claims.get("gty") == "client-credentials" or claims.get("client_id") == claims["sub"]:
        return PrincipalKind.SERVICE
    return PrincipalKind.USER
