"""The connector SDK: a new REST connector is mostly declaration.

A ``Connector`` names its contract, its streams and its auth; a ``Stream`` names an
operation, where its records are, how it pages and how a record maps to a graph type.
The SDK does the rest: timeouts within the query budget, retries, the circuit breaker,
the per-caller cache, validation against the contract, placement in unified grids.
The graph side is ``connectors.sdk.graph``; the standard tests, ``connectors.testing``.
"""

from connectors.sdk.area import (
    AreaContext,
    AreaModel,
    AreaParams,
    BoundingBox,
    Communities,
    DepartmentGrids,
    NoArea,
    PointRadius,
)
from connectors.sdk.auth import (
    ApiKeyAuth,
    BearerAuth,
    HmacSignatureAuth,
    OAuth2ClientCredentials,
    TokenRequestError,
)
from connectors.sdk.breaker import BreakerState, CircuitBreaker
from connectors.sdk.budget import Deadline
from connectors.sdk.cache import TTLCache
from connectors.sdk.calls import SERVICE_SCOPE, Call, scope_of
from connectors.sdk.client import UpstreamClient
from connectors.sdk.connector import Connector, ConnectorState, MissingCredentialError
from connectors.sdk.contract import Contract, Violation
from connectors.sdk.errors import (
    ConnectorDisabledError,
    ContractViolationError,
    PaginationLoopError,
    UpstreamError,
    UpstreamRateLimitedError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from connectors.sdk.grids import (
    Area,
    Bounds,
    Crosswalk,
    CrosswalkScheme,
    GridScheme,
    Locator,
    Regions,
)
from connectors.sdk.mapping import (
    AS_IS,
    BEIJING,
    TEXT,
    TEXT_LIST,
    TIMESTAMP,
    Codec,
    Field,
    Mapping,
    MappingError,
    Record,
    field,
    local_time,
)
from connectors.sdk.pagination import (
    CursorPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    Page,
    PageNumberPaginator,
    PageRequest,
    Paginator,
    Params,
    Token,
    paginate,
)
from connectors.sdk.paths import dig
from connectors.sdk.placement import Placed, place
from connectors.sdk.registry import ENTRY_POINT_GROUP, discover, load_object
from connectors.sdk.runtime import Connectors, Health, Status, UpstreamSession
from connectors.sdk.settings import ConnectorSettings, ConnectorsSettings
from connectors.sdk.statuses import StatusMap
from connectors.sdk.stream import Stream
from connectors.sdk.workorders import refused, work_order_ref
from hub.core.departments import Department

__all__ = [
    "AS_IS",
    "BEIJING",
    "ENTRY_POINT_GROUP",
    "SERVICE_SCOPE",
    "TEXT",
    "TEXT_LIST",
    "TIMESTAMP",
    "ApiKeyAuth",
    "Area",
    "AreaContext",
    "AreaModel",
    "AreaParams",
    "BearerAuth",
    "BoundingBox",
    "Bounds",
    "BreakerState",
    "Call",
    "CircuitBreaker",
    "Codec",
    "Communities",
    "Connector",
    "ConnectorDisabledError",
    "ConnectorSettings",
    "ConnectorState",
    "Connectors",
    "ConnectorsSettings",
    "Contract",
    "ContractViolationError",
    "Crosswalk",
    "CrosswalkScheme",
    "CursorPaginator",
    "Deadline",
    "Department",
    "DepartmentGrids",
    "Field",
    "GridScheme",
    "Health",
    "HmacSignatureAuth",
    "Locator",
    "Mapping",
    "MappingError",
    "MissingCredentialError",
    "NextLinkPaginator",
    "NoArea",
    "OAuth2ClientCredentials",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "PageRequest",
    "PaginationLoopError",
    "Paginator",
    "Params",
    "Placed",
    "PointRadius",
    "Record",
    "Regions",
    "Status",
    "StatusMap",
    "Stream",
    "TTLCache",
    "Token",
    "TokenRequestError",
    "UpstreamClient",
    "UpstreamError",
    "UpstreamRateLimitedError",
    "UpstreamSession",
    "UpstreamTimeoutError",
    "UpstreamUnavailableError",
    "Violation",
    "dig",
    "discover",
    "field",
    "load_object",
    "local_time",
    "paginate",
    "place",
    "refused",
    "scope_of",
    "work_order_ref",
]
