"""Trusted documents: in production, only operations registered ahead run.

A document is registered by the SHA-256 of its text (``hub documents register``).
Clients either send the text, whose hash must then be registered, or send only the
hash in the persisted-query shape: ``{"extensions": {"persistedQuery": {"version": 1,
"sha256Hash": "<hex>"}}}`` or GraphQL over HTTP's ``{"documentId": "sha256:<hex>"}``.
The hash form works in every mode; text alone is refused in production.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from hub.core.errors import BadUserInputError, PersistedQueryNotFoundError
from hub.db.engine import Database
from hub.db.security_models import TrustedDocumentRow

MISS_SECONDS = 2.0  # how long "not registered" is believed before asking the database again
MAX_MISSES = 10_000


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if not isinstance(persisted, Mapping):
        return None
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str):
        raise BadUserInputError("persistedQuery needs a sha256Hash string")
    return digest.lower()


class TrustedDocuments:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._known: dict[str, str] = {}  # hash -> text; a registered document never changes
        self._misses: dict[str, float] = {}

    async def register(self, text: str, name: str) -> tuple[str, bool]:
        """The document's hash, and whether it was new."""
        digest = document_hash(text)
        async with self.database.session() as session, session.begin():
            if await session.get(TrustedDocumentRow, digest) is not None:
                return digest, False
            session.add(TrustedDocumentRow(sha256=digest, name=name, body=text))
        return digest, True

    async def list(self) -> list[TrustedDocumentRow]:
        async with self.database.session() as session:
            return list(await session.scalars(select(TrustedDocumentRow).order_by("name")))

    async def text(self, digest: str) -> str | None:
        if (known := self._known.get(digest)) is not None:
            return known
        if self._misses.get(digest, 0.0) > time.monotonic():
            return None
        async with self.database.session() as session:
            row = await session.get(TrustedDocumentRow, digest)
        if row is None:
            if len(self._misses) >= MAX_MISSES:
                self._misses.clear()
            self._misses[digest] = time.monotonic() + MISS_SECONDS
            return None
        self._known[digest] = row.body
        return row.body

    async def resolve(
        self, query: str | None, extensions: Mapping[str, Any] | None, *, enforce: bool
    ) -> str | None:
        """The text to run: looked up by hash, or checked against the registry when enforced."""
        digest = requested_hash(extensions)
        if digest is not None and query is not None and document_hash(query) != digest:
            raise BadUserInputError("the query does not match its sha256Hash")
        if query is not None and not enforce:
            return query
        if digest is None:
            if query is None:
                return None
            digest = document_hash(query)
        text = await self.text(digest)
        if text is None:
            raise PersistedQueryNotFoundError(
                "not a trusted document: register it with `hub documents register`",
                sha256Hash=digest,
            )
        return text
