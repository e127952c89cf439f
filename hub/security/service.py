"""The security services one hub process holds, built once at start."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from hub.core.tls import client_tls
from hub.db.engine import Database
from hub.security.audit import DEV_SIGNING_KEY, AuditLog, Signer
from hub.security.authenticator import Authenticator
from hub.security.documents import TrustedDocuments
from hub.security.keys import ApiKeyStore
from hub.security.persisted import PersistedDocuments
from hub.security.ratelimit import RateLimiter
from hub.security.roles import Roles, load_roles
from hub.security.settings import SecuritySettings
from hub.security.tokens import TokenValidator

JWKS_TIMEOUT = httpx.Timeout(5.0)


class SecurityConfigError(ValueError):
    """Settings that would leave the hub open or its audit trail unsigned."""


@dataclass
class Security:
    settings: SecuritySettings
    dev: bool
    database: Database
    roles: Roles
    keys: ApiKeyStore
    tokens: TokenValidator
    authenticator: Authenticator
    limiter: RateLimiter
    documents: TrustedDocuments
    persisted: PersistedDocuments
    audit: AuditLog
    http: httpx.AsyncClient

    @classmethod
    def create(
        cls,
        settings: SecuritySettings,
        database: Database,
        departments: Iterable[str],
        *,
        dev: bool,
    ) -> Security:
        roles = load_roles(departments)
        keys = ApiKeyStore(database, roles)
        http = httpx.AsyncClient(timeout=JWKS_TIMEOUT, verify=client_tls())
        tokens = TokenValidator(settings, http)
        documents = TrustedDocuments(database)
        return cls(
            settings=settings,
            dev=dev,
            database=database,
            roles=roles,
            keys=keys,
            tokens=tokens,
            authenticator=Authenticator(keys, tokens, roles, settings.principal_cache_seconds),
            limiter=RateLimiter(settings.rate_limit),
            documents=documents,
            persisted=PersistedDocuments(
                documents, trusted_only=_trusted_only(settings.trusted_documents, dev=dev)
            ),
            audit=AuditLog(
                database,
                _signer(settings, dev),
                settings.audit_checkpoint_every,
                settings.audit_anchor,
            ),
            http=http,
        )

    @property
    def trusted_documents_only(self) -> bool:
        return self.persisted.trusted_only

    async def readiness(self) -> dict[str, str]:
        """Each issuer's keys must be at hand: without them no user could sign in."""
        checks: dict[str, str] = {}
        for issuer, key_set in self.tokens.key_sets.items():
            if not key_set.keys:
                with contextlib.suppress(Exception):  # reported below: the probe fails closed
                    await asyncio.wait_for(key_set.fetch(), timeout=5)
            checks[f"jwks {issuer}"] = "ok" if key_set.keys else "unreachable"
        return checks

    async def aclose(self) -> None:
        await self.http.aclose()


def _trusted_only(setting: bool | None, *, dev: bool) -> bool:
    return not dev if setting is None else setting


def _signer(settings: SecuritySettings, dev: bool) -> Signer:
    key = settings.audit_signing_key
    if key is None:
        if not dev:
            raise SecurityConfigError(
                "production mode needs HUB_SECURITY__AUDIT_SIGNING_KEY (see `hub audit keygen`)"
            )
        return Signer.from_hex(DEV_SIGNING_KEY)
    try:
        return Signer.from_hex(key.get_secret_value())
    except ValueError as error:
        raise SecurityConfigError("the audit signing key must be 32 bytes of hex") from error
