"""Who is asking, as the graph sees them: what a front end needs to offer only what the
user may do (the actions of their roles, the grids they may see)."""

from __future__ import annotations

import strawberry

from schema.context import Info


@strawberry.type(description="The principal making this request.")
class Viewer:
    id: str = strawberry.field(description='Stable: "key:<id>", or the issuer and subject.')
    name: str
    kind: str = strawberry.field(description="service, user or worker.")
    roles: list[str]
    scopes: list[str] = strawberry.field(description="Every scope its roles grant, sorted.")
    department: str | None
    grids: list[str] | None = strawberry.field(
        description="The region codes whose subtrees it may see; null for the whole district."
    )


@strawberry.type
class ViewerQuery:
    @strawberry.federation.field(
        description="Who is asking: roles, scopes, department and grids, so a front end "
        "shows each user only the actions and places they have.",
        requires_scopes=[["grid:read"]],
    )
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        assert principal is not None  # the scope check let no anonymous caller through
        roots = principal.grids.roots
        return Viewer(
            id=principal.id,
            name=principal.name,
            kind=principal.kind.value,
            roles=list(principal.roles),
            scopes=sorted(principal.scopes),
            department=principal.department,
            grids=list(roots) if roots is not None else None,
        )
