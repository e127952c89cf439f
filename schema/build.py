"""Assembling the schema: built once per process, never per request."""

from __future__ import annotations

from typing import Any

from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from hub.config import FederationSettings, GraphQLLimits
from hub.observability.metrics import Metrics
from hub.security.settings import SecuritySettings
from schema.assessment import AssessmentQuery
from schema.audit import AuditQuery
from schema.connectors import ConnectorsQuery, query_mixins
from schema.crosswalk import CrosswalkQuery
from schema.documents import Documents
from schema.federation import FederationQuery
from schema.grid_event_roots import EventMutation, EventQuery, EventSubscription
from schema.hub_schema import HubSchema
from schema.inputs import plan_inputs
from schema.patrols import PatrolMutation, PatrolQuery, PatrolSubscription
from schema.query import RegistryQuery
from schema.regions import REGION_TYPES
from schema.scalars import SCALARS
from schema.sdl import FEDERATION_VERSION
from schema.security import GraphSecurity
from schema.stats import StatsQuery
from schema.steps import LoopMutation
from schema.subscription import RegistrySubscription
from schema.viewer import ViewerQuery
from schema.workbench import WorkbenchMutation

# Each feature contributes one fragment per root type; the schema merges them.
# Connectors contribute theirs through discovery (schema.connectors).
QUERY_PARTS: tuple[type, ...] = (
    FederationQuery,
    RegistryQuery,
    CrosswalkQuery,
    ViewerQuery,
    EventQuery,
    AuditQuery,
    StatsQuery,
    PatrolQuery,
    AssessmentQuery,
    ConnectorsQuery,
    *query_mixins(),
)
MUTATION_PARTS: tuple[type, ...] = (
    EventMutation,
    LoopMutation,
    WorkbenchMutation,
    PatrolMutation,
)
SUBSCRIPTION_PARTS: tuple[type, ...] = (
    RegistrySubscription,
    EventSubscription,
    PatrolSubscription,
)
ENTITY_TYPES: tuple[type, ...] = REGION_TYPES


def _root(name: str, parts: tuple[type, ...]) -> type | None:
    return merge_types(name, parts) if parts else None


def build_schema(
    limits: GraphQLLimits | None = None,
    metrics: Metrics | None = None,
    *,
    security: SecuritySettings | None = None,
    federation: FederationSettings | None = None,
    dev: bool = True,
    secure: bool = True,
) -> HubSchema:
    """The schema with its limits and security; ``secure=False`` only to benchmark without."""
    limits = limits or GraphQLLimits()
    documents = Documents(limits)
    guard = GraphSecurity(
        security or SecuritySettings(), dev=dev, cache_size=limits.document_cache_size
    )
    extensions: list[Any] = [documents.extension]
    if secure:
        extensions.append(guard.extension)
    schema = HubSchema(
        query=_root("Query", QUERY_PARTS),
        mutation=_root("Mutation", MUTATION_PARTS),
        subscription=_root("Subscription", SUBSCRIPTION_PARTS),
        types=list(ENTITY_TYPES),
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
        federation_version=FEDERATION_VERSION,
    )
    documents.install(schema._schema)
    plan_inputs(schema)
    schema.metrics = metrics
    if metrics is not None:
        streams = schema.shared_streams
        metrics.subscription_streams.set_function(lambda: len(streams))
        metrics.subscription_followers.set_function(lambda: streams.followers)
    schema.auth_directives = (federation or FederationSettings()).auth_directives
    schema.secure = secure
    if secure:
        guard.install(schema)
        schema.document_plans = guard.plans
    return schema


def print_sdl(federation: FederationSettings | None = None) -> str:
    """The published SDL: the federation subgraph schema, as ``_service { sdl }`` gives it."""
    return build_schema(federation=federation).published_sdl
