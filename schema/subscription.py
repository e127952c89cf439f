"""Root subscription fields of the graph's core."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from schema.context import Info


@strawberry.type
class RegistrySubscription:
    @strawberry.federation.field(
        name="registryRevision",
        description="The registry's revision now, then each time an import changes it; "
        "maps refetch their grids when it moves.",
        is_subscription=True,
        requires_scopes=[["grid:read"]],
    )
    async def registry_revision(self, info: Info) -> AsyncGenerator[int, None]:
        async for revision in info.context.services.registry.revisions():
            yield revision
