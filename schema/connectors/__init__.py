"""The graph's side of the connectors: grid fields, lookups and status, composed from
every discovered connector's declarations, so adding a connector touches no core file.
"""

from schema.connectors.compose import grid_mixins, query_mixins
from schema.connectors.resolvers import grid_field, grid_records, lookup_field, record_by_key
from schema.connectors.status import ConnectorsQuery, ConnectorStatus

__all__ = [
    "ConnectorStatus",
    "ConnectorsQuery",
    "grid_field",
    "grid_mixins",
    "grid_records",
    "lookup_field",
    "query_mixins",
    "record_by_key",
]
