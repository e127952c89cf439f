"""The audit chain's arithmetic: what an entry is, how it is hashed, how it is signed.

Each entry's hash is SHA-256 over its previous entry's hash and a canonical encoding of
its own fields, sequence number included. Editing, deleting or reordering any entry
therefore breaks the hash of that entry or of the one after it.

Each entry is also signed when it is written: an Ed25519 signature over (seq, hash).
Whoever edits an entry and re-hashes everything after it cannot re-sign, so the first
entry that differs from what was written is the first whose signature fails, even at
the chain's very end. A checkpoint is the same signature over the chain's head, kept
apart (and outside the database, in the anchor): it shows how far the chain reached, so
a truncated tail is seen too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

GENESIS = "0" * 64
MAX_TEXT = 500  # operation names, purposes, client addresses are cut to this


class Action(StrEnum):
    PII_READ = "pii.read"  # personal data was returned unmasked
    MUTATION = "mutation"  # a state-changing GraphQL operation
    MUTATION_REFUSED = "mutation.refused"  # one that was attempted and failed
    AUDIT_READ = "audit.read"  # an auditor read the trail itself
    ADMIN = "admin"  # keys, trusted documents, imports: changes made with the `hub` command


@dataclass(frozen=True, slots=True)
class Entry:
    """What happened; the chain adds where it stands (seq, hashes)."""

    at: datetime
    action: str
    principal: str
    operation: str
    field: str
    record: str
    client: str
    purpose: str


@dataclass(frozen=True, slots=True)
class Sealed:
    seq: int
    entry: Entry
    prev_hash: str
    hash: str
    signature: str


# Every field after ``at``, in the order declared: what each entry's hash is made of.
# (``astuple`` gave the same values, deep-copying each one first: 125 µs an entry.)
_HASHED = tuple(f.name for f in fields(Entry))[1:]


def entry_hash(seq: int, entry: Entry, prev_hash: str) -> str:
    hashed = [seq, entry.at.isoformat(), *(getattr(entry, name) for name in _HASHED), prev_hash]
    encoded = json.dumps(hashed, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def seal(entries: list[Entry], after_seq: int, after_hash: str, signer: Signer) -> list[Sealed]:
    sealed, previous = [], after_hash
    for seq, entry in enumerate(entries, start=after_seq + 1):
        digest = entry_hash(seq, entry, previous)
        sealed.append(Sealed(seq, entry, previous, digest, signer.sign(seq, digest)))
        previous = digest
    return sealed


def checkpoint_message(seq: int, digest: str) -> bytes:
    return f"grid-hub audit checkpoint\n{seq}\n{digest}".encode()


class Signer:
    """Signs checkpoints; ``key_id`` names the key so a verifier knows which one to use."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self.private_key = private_key
        self.verifier = Verifier(private_key.public_key())

    @classmethod
    def from_hex(cls, text: str) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text.strip())))

    @property
    def key_id(self) -> str:
        return self.verifier.key_id

    def sign(self, seq: int, digest: str) -> str:
        return self.private_key.sign(checkpoint_message(seq, digest)).hex()


class Verifier:
    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self.public_key = public_key
        raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]

    def verify(self, seq: int, digest: str, signature: str) -> bool:
        try:
            self.public_key.verify(bytes.fromhex(signature), checkpoint_message(seq, digest))
        except (InvalidSignature, ValueError):
            return False
        return True


def clip(text: str | None) -> str:
    return (text or "")[:MAX_TEXT]


# Dev mode only: a fixed, published key, so the demo's chain verifies across restarts.
# Production refuses to start without HUB_SECURITY__AUDIT_SIGNING_KEY.
DEV_SIGNING_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"


def new_signing_key() -> str:
    """A fresh Ed25519 private key as hex, for ``hub audit keygen``."""
    return Ed25519PrivateKey.generate().private_bytes_raw().hex()
