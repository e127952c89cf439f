"""Who is calling upstream, and until when: what every connector call carries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from connectors.sdk.budget import Deadline

SERVICE_SCOPE = "service"  # the hub itself: the bus, the CLI, health checks


@dataclass(frozen=True, slots=True)
class Call:
    deadline: Deadline
    scope: str = SERVICE_SCOPE  # the caller's rights, as a cache key: never shared across callers

    @classmethod
    def within(cls, seconds: float, scope: str = SERVICE_SCOPE) -> Call:
        return cls(Deadline.after(seconds), scope)


def scope_of(credential: str | None) -> str:
    """A cache scope for a caller known by its credential (an Authorization header).

    The digest, not the credential, is kept; callers without one share the anonymous
    scope, which sees only what anonymous callers may see.
    """
    if not credential:
        return "anonymous"
    return "caller:" + hashlib.sha256(credential.encode()).hexdigest()[:32]
