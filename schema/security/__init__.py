"""The graph's security: a plan read from the schema's declarations, enforced once per
operation (scopes, purpose, cost) and inside execution (rows, masking, audit)."""

from schema.security.declare import cost, list_size
from schema.security.document import DocumentPlan, DocumentPlans, Requirement
from schema.security.guard import record_key, visible
from schema.security.install import GraphSecurity
from schema.security.masking import mask
from schema.security.operation import OperationState, current_operation
from schema.security.plan import (
    FieldRule,
    PersonalRule,
    RowKey,
    SchemaDeclarationError,
    SecurityPlan,
)
from schema.security.rows import grid_scope

__all__ = [
    "DocumentPlan",
    "DocumentPlans",
    "FieldRule",
    "GraphSecurity",
    "OperationState",
    "PersonalRule",
    "Requirement",
    "RowKey",
    "SchemaDeclarationError",
    "SecurityPlan",
    "cost",
    "current_operation",
    "grid_scope",
    "list_size",
    "mask",
    "record_key",
    "visible",
]
