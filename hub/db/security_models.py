"""The security tables: API keys, trusted documents, and the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base
from hub.db.types import UTCDateTime, utcnow

HASH = String(64)  # sha256, hex


class ApiKeyRow(Base):
    """An API key, stored as the SHA-256 of the key: the key itself is shown once, at creation."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(HASH, unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    roles: Mapped[list[str]] = mapped_column(JSON)
    department: Mapped[str | None] = mapped_column(String(32))
    grids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrustedDocumentRow(Base):
    """A GraphQL document registered ahead; production runs only these."""

    __tablename__ = "trusted_documents"

    sha256: Mapped[str] = mapped_column(HASH, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntryRow(Base):
    """One audit entry; ``hash`` covers its fields and the previous entry's hash."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    action: Mapped[str] = mapped_column(String(32))
    principal: Mapped[str] = mapped_column(String(200), index=True)
    operation: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(200))
    record: Mapped[str] = mapped_column(Text)
    client: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(HASH)
    hash: Mapped[str] = mapped_column(HASH)
    # Ed25519 over (seq, hash), made as it was written; null only for entries written
    # before entries were signed (migration 0011), which checkpoints alone vouch for.
    signature: Mapped[str | None] = mapped_column(String(128))


class AuditHeadRow(Base):
    """The chain's head, one row: appenders lock it, so replicas extend one chain, never fork it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(HASH)


class AuditCheckpointRow(Base):
    """A signature over the chain's hash at ``seq``: an edit up to there needs the signing key."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    hash: Mapped[str] = mapped_column(HASH)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
