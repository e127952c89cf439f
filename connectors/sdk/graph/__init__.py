"""What a connector declares of the graph: record types and their personal fields.

The GraphQL layer that turns these declarations into fields, loaders and resolvers is
``schema.connectors``; the SDK only declares, so it needs nothing above the core.
"""

from connectors.sdk.graph.department_record import DepartmentRecord, RecordFilter
from connectors.sdk.graph.directives import Personal, PersonalDataKind, personal
from connectors.sdk.graph.lifecycle import LifecycleStatus

__all__ = [
    "DepartmentRecord",
    "LifecycleStatus",
    "Personal",
    "PersonalDataKind",
    "RecordFilter",
    "personal",
]
