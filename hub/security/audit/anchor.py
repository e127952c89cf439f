"""The chain's latest signed head, kept outside the database.

Whoever can write to the database can delete the newest entries, rewind the head row
and drop the checkpoints that would show it. A copy of the latest signed head somewhere
that person cannot reach (a file on another volume, and every checkpoint's log line)
still says how far the chain had reached: ``hub audit verify --anchor FILE`` compares.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from hub.security.audit.chain import Verifier


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    key_id: str
    signature: str
    at: str  # ISO 8601, when it was signed

    def valid(self, verifier: Verifier) -> bool:
        return self.key_id == verifier.key_id and verifier.verify(
            self.seq, self.hash, self.signature
        )

    def __str__(self) -> str:
        return f"seq={self.seq} hash={self.hash} key={self.key_id} signature={self.signature}"


class AnchorError(ValueError):
    """The anchor file cannot be read as one."""


def read_anchor(path: Path) -> Anchor:
    try:
        return Anchor(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as error:
        raise AnchorError(f"{path}: not an audit anchor ({error})") from error


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Replace the file at once (never half-written), unless it already holds a later head.

    Replicas share one chain and each writes what it signs: the furthest head wins.
    """
    if path.exists():
        try:
            if read_anchor(path).seq >= anchor.seq:
                return
        except AnchorError:
            pass  # a damaged anchor is replaced by a good one
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    staged.write_text(json.dumps(asdict(anchor)) + "\n", encoding="utf-8")
    os.replace(staged, path)
