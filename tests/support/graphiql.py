"""GraphiQL's built files: tests that need them skip without them, or fail under CI=true."""

from __future__ import annotations

from hub.http.graphiql import GraphiQL
from tests.support.components import unavailable


def require_graphiql() -> GraphiQL:
    graphiql = GraphiQL()
    if not graphiql.installed:
        unavailable("GraphiQL", "its files are not built; run scripts/graphiql")
    return graphiql
