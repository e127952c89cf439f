"""The row-filter hook list resolvers call, so a page is filtered before it is cut.

The guard would drop a record outside a grid-scoped principal's grids anyway, but a
list resolver that pages (``first``/``after``) must push the filter into its own query,
or a page of 20 comes back with 3 items and a wrong ``totalCount``:

    scope = grid_scope(info)
    rows = await store.page(..., within_any=scope.roots)   # None: unrestricted
"""

from __future__ import annotations

from typing import Any

from hub.security.principal import UNRESTRICTED, GridScope


def grid_scope(info: Any) -> GridScope:
    """The grid subtrees the request's principal may see (UNRESTRICTED for most)."""
    principal = info.context.principal
    return principal.grids if principal is not None else UNRESTRICTED
