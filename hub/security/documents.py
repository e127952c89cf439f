"""Trusted documents: the operations registered ahead, by the SHA-256 of their text.

In production only these run (``hub.security.persisted`` decides what runs). They are
registered with ``hub documents register``, one ``.graphql`` file or a client's whole
manifest (``hub.security.manifests``), and every registration is audited. A registered
document never changes, so a replica keeps every one it has looked up.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable

from sqlalchemy import select

from hub.db.engine import Database
from hub.db.security_models import TrustedDocumentRow

MISS_SECONDS = 2.0  # how long "not registered" is believed before asking the database again
MAX_MISSES = 10_000


def document_hash(text: str) -> str:
    """The lower-case hex SHA-256 of the text's UTF-8 bytes: the document's identity."""
    return hashlib.sha256(text.encode()).hexdigest()


class TrustedDocuments:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._known: dict[str, str] = {}  # hash -> text; a registered document never changes
        self._misses: dict[str, float] = {}

    def ship(self, texts: Iterable[str]) -> None:
        """Trust documents that ship with the hub (its own console's): known in memory,
        never written, so every replica trusts them from its start."""
        for text in texts:
            self._known[document_hash(text)] = text

    async def register(self, text: str, name: str) -> tuple[str, bool]:
        """The document's hash, and whether it was new."""
        [(digest, new)] = await self.register_all([(text, name)])
        return digest, new

    async def register_all(self, documents: Iterable[tuple[str, str]]) -> list[tuple[str, bool]]:
        """Each (text, name)'s hash and whether it was new; all of them or none."""
        registered: list[tuple[str, bool]] = []
        async with self.database.session() as session, session.begin():
            for text, name in documents:
                digest = document_hash(text)
                new = await session.get(TrustedDocumentRow, digest) is None
                if new:
                    session.add(TrustedDocumentRow(sha256=digest, name=name, body=text))
                    await session.flush()  # a manifest may name one document twice
                registered.append((digest, new))
        for digest, _ in registered:
            self._misses.pop(digest, None)
        return registered

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
