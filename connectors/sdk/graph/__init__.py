"""The graph side of the connector SDK: record types, grid fields, lookups, status.

Kept apart from ``connectors.sdk`` because it builds on the schema package, while the
schema, when it is composed, discovers connectors through ``connectors.sdk``.
"""

from connectors.sdk.graph.compose import grid_mixins, query_mixins
from connectors.sdk.graph.records import DepartmentRecord, RecordFilter
from connectors.sdk.graph.resolvers import grid_field, grid_records, lookup_field, record_by_key
from connectors.sdk.graph.status import ConnectorsQuery, ConnectorStatus

__all__ = [
    "ConnectorStatus",
    "ConnectorsQuery",
    "DepartmentRecord",
    "RecordFilter",
    "grid_field",
    "grid_mixins",
    "grid_records",
    "lookup_field",
    "query_mixins",
    "record_by_key",
]
