"""API keys: created, listed and revoked in the database, so every replica sees a change.

A key is ``ghk_`` and 43 random URL-safe characters. Only its SHA-256 is stored: a key
has 256 bits of entropy, so a fast hash is as safe as a slow one and costs nothing on
the request path. The key itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from ulid import ULID

from hub.core.codes import InvalidCodeError, level_of
from hub.db.engine import Database
from hub.db.security_models import ApiKeyRow
from hub.db.types import utcnow
from hub.security.roles import RoleError, Roles

KEY_PREFIX = "ghk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    prefix: str
    roles: tuple[str, ...]
    department: str | None
    grids: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True, slots=True)
class KeyRequest:
    name: str
    roles: tuple[str, ...]
    department: str | None = None
    grids: tuple[str, ...] = ()
    expires_in: timedelta | None = None


class ApiKeyStore:
    def __init__(self, database: Database, roles: Roles) -> None:
        self.database = database
        self.roles = roles

    async def create(self, request: KeyRequest) -> tuple[ApiKey, str]:
        """A new key; the second value is the key itself, which is never stored."""
        self._check(request)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        row = ApiKeyRow(
            id=str(ULID()),
            name=request.name,
            key_hash=hash_key(key),
            prefix=key[: len(KEY_PREFIX) + 6],
            roles=list(request.roles),
            department=request.department,
            grids=list(request.grids),
            created_at=now,
            expires_at=now + request.expires_in if request.expires_in else None,
        )
        async with self.database.session() as session, session.begin():
            session.add(row)
        return _key(row), key

    async def revoke(self, key_id: str) -> ApiKey | None:
        async with self.database.session() as session, session.begin():
            await session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            row = await session.get(ApiKeyRow, key_id)
            return _key(row) if row else None

    async def list(self) -> list[ApiKey]:
        async with self.database.session() as session:
            rows = await session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at))
            return [_key(row) for row in rows]

    async def find(self, key: str) -> ApiKey | None:
        async with self.database.session() as session:
            row = await session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(key)))
            return _key(row) if row else None

    def _check(self, request: KeyRequest) -> None:
        if not request.roles:
            raise RoleError("a key needs at least one role")
        for role in request.roles:
            self.roles.check_department(role, request.department)
        if self.roles.grid_scoped(request.roles) and not request.grids:
            raise RoleError(f"roles {list(request.roles)} see only their grids: name them")
        _check_codes(request.grids)


def _check_codes(codes: Sequence[str]) -> None:
    for code in codes:
        try:
            level_of(code)
        except InvalidCodeError as error:
            raise RoleError(str(error)) from error


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        roles=tuple(row.roles),
        department=row.department,
        grids=tuple(row.grids),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )
