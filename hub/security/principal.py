"""Who is asking: a principal, its scopes and the part of the grid tree it may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PrincipalKind(StrEnum):
    SERVICE = "service"  # a department system: API key or client-credentials JWT
    USER = "user"  # a person signed in through the city's identity provider
    WORKER = "worker"  # a grid worker, limited to their grids


@dataclass(frozen=True, slots=True)
class GridScope:
    """The grid subtrees a principal may see; ``UNRESTRICTED`` for the whole tree.

    A record is visible when its grid code lies within one of the subtrees. A region
    is also visible when it is an ancestor of one (a grid worker sees the community and
    street their grid belongs to, but no sibling grid).
    """

    roots: tuple[str, ...] | None

    @property
    def unrestricted(self) -> bool:
        return self.roots is None

    def contains(self, code: str | None) -> bool:
        if self.roots is None:
            return True
        return code is not None and code.startswith(self.roots)

    def reaches(self, region_code: str | None) -> bool:
        """Within a subtree, or on the path from the district down to one."""
        if self.roots is None:
            return True
        if region_code is None:
            return False
        return region_code.startswith(self.roots) or any(
            root.startswith(region_code) for root in self.roots
        )

    def ancestors(self) -> set[str]:
        """Every proper ancestor code of the roots (for pushing the filter into a query)."""
        return {root[:n] for root in self.roots or () for n in range(6, len(root), 3)}


UNRESTRICTED = GridScope(None)


@dataclass(frozen=True, slots=True)
class Principal:
    id: str  # stable and unique: "key:<id>", "<issuer>|<sub>"
    kind: PrincipalKind
    name: str
    roles: tuple[str, ...]
    scopes: frozenset[str]
    grids: GridScope = UNRESTRICTED
    department: str | None = None
    expires_at: datetime | None = None
    claims: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    # The graph's root fields it may select; None for any (a gateway: _service, _entities).
    root_fields: frozenset[str] | None = None

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def forwarded_identity(principal: Principal, purpose: str | None) -> dict[str, str]:
    """Headers a connector configured to forward the caller's identity adds upstream.

    Only the identity and purpose go upstream, never the caller's credential: the
    department system trusts the hub's own credential, and learns on whose behalf.
    """
    headers = {"X-Hub-Principal": principal.id, "X-Hub-Principal-Kind": principal.kind.value}
    if principal.department:
        headers["X-Hub-Department"] = principal.department
    if purpose:
        headers["X-Hub-Purpose"] = purpose
    return headers
