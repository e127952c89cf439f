"""What one document asks for, worked out once per distinct document and operation.

A ``DocumentPlan`` lists the scope requirements of every field and fragment the
operation selects, the departments whose personal data it reads, and its cost as a
small tree that variables can size (``grids(first: $n)``). Plans are kept in an LRU
beside the parser and validation caches; the decision for a set of scopes is kept in
the plan, so a repeated query by the same kind of principal costs two dict lookups.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    is_composite_type,
    is_list_type,
    is_non_null_type,
)

from schema.security.plan import Alternatives, FieldRule, ListSizeRule, SecurityPlan

MUTATION_WEIGHT = 10
ENTITIES = "_entities"
# Root fields that only describe the schema: dev mode answers them without a principal.
SCHEMA_FIELDS = frozenset({"__schema", "__type", "__typename", "_service"})


@dataclass(frozen=True, slots=True)
class Requirement:
    coordinate: str
    scopes: Alternatives

    def met_by(self, held: frozenset[str]) -> bool:
        return any(group <= held for group in self.scopes)

    def describe(self) -> str:
        return " or ".join(" and ".join(sorted(group)) for group in self.scopes)


@dataclass(frozen=True, slots=True)
class Size:
    """How many items a list holds: a constant, or the value of a variable."""

    constant: int
    variable: str | None = None

    def value(self, variables: Mapping[str, Any]) -> int:
        if self.variable is None or self.variable not in variables:
            return self.constant
        given = variables[self.variable]
        if isinstance(given, list):
            return len(given)
        return given if isinstance(given, int) and given >= 0 else self.constant


@dataclass(frozen=True, slots=True)
class CostNode:
    weight: int
    size: Size | None
    children: tuple[CostNode, ...]

    def cost(self, variables: Mapping[str, Any]) -> int:
        inner = self.weight + sum(child.cost(variables) for child in self.children)
        return inner * (self.size.value(variables) if self.size else 1)


@dataclass
class DocumentPlan:
    operation_type: OperationType
    requirements: tuple[Requirement, ...]
    personal_departments: frozenset[str]
    introspection: bool
    schema_only: bool  # every root field describes the schema (SCHEMA_FIELDS)
    root_fields: frozenset[str]  # what the operation selects on its root type
    cost_tree: tuple[CostNode, ...]
    variable_sized: bool
    _unmet: dict[frozenset[str], Requirement | None] = field(default_factory=dict)
    _static_cost: int | None = None

    def unmet(self, scopes: frozenset[str]) -> Requirement | None:
        """The first requirement ``scopes`` do not meet; None when all are met."""
        try:
            return self._unmet[scopes]
        except KeyError:
            found = next((r for r in self.requirements if not r.met_by(scopes)), None)
            self._unmet[scopes] = found
            return found

    def cost(self, variables: Mapping[str, Any] | None) -> int:
        if not self.variable_sized:
            if self._static_cost is None:
                self._static_cost = sum(node.cost({}) for node in self.cost_tree)
            return self._static_cost
        return sum(node.cost(variables or {}) for node in self.cost_tree)


class DocumentPlans:
    """An LRU of plans by (document text, operation name)."""

    def __init__(self, plan: SecurityPlan, default_list_size: int, maxsize: int) -> None:
        self.plan = plan
        self.default_list_size = default_list_size
        self.maxsize = max(maxsize, 1)
        self._plans: OrderedDict[tuple[str, str | None], DocumentPlan] = OrderedDict()

    def planned(self, query: str, operation_name: str | None) -> DocumentPlan | None:
        """The plan of a document that has been executed already, without parsing it."""
        return self._plans.get((query, operation_name))

    def get(self, query: str, operation_name: str | None, document: DocumentNode) -> DocumentPlan:
        key = (query, operation_name)
        found = self._plans.get(key)
        if found is not None:
            self._plans.move_to_end(key)
            return found
        made = _Analysis(self.plan, self.default_list_size, document).run(operation_name)
        self._plans[key] = made
        if len(self._plans) > self.maxsize:
            self._plans.popitem(last=False)
        return made


class _Analysis:
    def __init__(self, plan: SecurityPlan, default_list_size: int, document: DocumentNode) -> None:
        self.plan = plan
        self.schema: GraphQLSchema = plan.schema
        self.default_list_size = default_list_size
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.document = document
        self.requirements: dict[str, Requirement] = {}
        self.departments: set[str] = set()
        self.variable_sized = False
        self.defaults: dict[str, int] = {}

    def run(self, operation_name: str | None) -> DocumentPlan:
        operation = get_operation_ast(self.document, operation_name)
        if operation is None:  # validation reports it; nothing runs
            raise ValueError("no operation to plan")
        root = self.schema.get_root_type(operation.operation)
        assert root is not None
        self.defaults = _variable_defaults(operation)
        roots = _root_field_names(operation.selection_set, self.fragments)
        tree = self.selections(operation.selection_set, root, operation.operation)
        return DocumentPlan(
            operation_type=operation.operation,
            requirements=tuple(self.requirements.values()),
            personal_departments=frozenset(self.departments),
            introspection=any(name.startswith("__") and name != "__typename" for name in roots),
            schema_only=all(name in SCHEMA_FIELDS for name in roots),
            root_fields=frozenset(roots) - {"__typename"},
            cost_tree=tuple(tree),
            variable_sized=self.variable_sized,
        )

    def selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        root: OperationType | None = None,
        sized: tuple[tuple[str, Size], ...] = (),
    ) -> list[CostNode]:
        nodes: list[CostNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                size = next((s for name, s in sized if name == selection.name.value), None)
                nodes += self.field(selection, parent, root, size)
            else:
                nodes += self.fragment(selection, parent, root, sized)
        return nodes

    def fragment(
        self,
        selection: Any,
        parent: GraphQLNamedType,
        root: OperationType | None,
        sized: tuple[tuple[str, Size], ...],
    ) -> list[CostNode]:
        condition: NamedTypeNode | None
        if isinstance(selection, FragmentSpreadNode):
            fragment = self.fragments.get(selection.name.value)
            if fragment is None:
                return []
            condition, selection_set = fragment.type_condition, fragment.selection_set
        else:
            assert isinstance(selection, InlineFragmentNode)
            condition, selection_set = selection.type_condition, selection.selection_set
        target = self.schema.get_type(condition.name.value) if condition else parent
        assert target is not None
        self.require_type(target)
        return self.selections(selection_set, target, root, sized)

    def field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        root: OperationType | None,
        size: Size | None,
    ) -> list[CostNode]:
        name = node.name.value
        if name == "__typename":
            return []
        graphql_field = getattr(parent, "fields", {}).get(name)
        if graphql_field is None:  # introspection meta-fields
            return []
        named = get_named_type(graphql_field.type)
        rules = self.rules(parent, name)
        for each in rules:
            self.require(each)
        if not (root is OperationType.QUERY and name == ENTITIES):
            # _entities returns the union of every entity type; what it needs is each
            # fragment's type, here, and each representation's type, as it resolves.
            self.require_type(named)
        rule = rules[0] if rules else None
        list_size = rule.list_size if rule else None
        if size is None and _is_list(graphql_field.type):  # a parent's sizedFields wins
            size = self.size(node, graphql_field, list_size)
        sized = self.sized_children(node, graphql_field, list_size)
        children = self.selections(node.selection_set, named, None, sized)
        weight = self.weight(rule, named, root)
        if not children and weight == 0:
            return []
        return [CostNode(weight, size, tuple(children))]

    def rules(self, parent: GraphQLNamedType, name: str) -> list[FieldRule]:
        """The field's rule, and on an interface also each implementation's: fail closed."""
        owners = (
            [parent, *self.plan.possible_types(parent)]
            if not isinstance(parent, GraphQLObjectType)
            else [parent]
        )
        return [r for owner in owners if (r := self.plan.rule(owner.name, name)) is not None]

    def require(self, rule: FieldRule) -> None:
        if rule.scopes and rule.coordinate not in self.requirements:
            self.requirements[rule.coordinate] = Requirement(rule.coordinate, rule.scopes)
        if rule.personal is not None:
            self.departments.add(rule.personal.department)

    def require_type(self, named: GraphQLNamedType) -> None:
        for graphql_type in (named, *self.plan.possible_types(named)):
            scopes = self.plan.type_scopes.get(graphql_type.name)
            if scopes and graphql_type.name not in self.requirements:
                self.requirements[graphql_type.name] = Requirement(graphql_type.name, scopes)

    def weight(
        self, rule: FieldRule | None, named: GraphQLNamedType, root: OperationType | None
    ) -> int:
        if rule is not None and rule.weight is not None:
            return rule.weight
        if root is OperationType.MUTATION:
            return MUTATION_WEIGHT
        return 1 if is_composite_type(named) else 0

    def size(self, node: FieldNode, graphql_field: GraphQLField, rule: ListSizeRule | None) -> Size:
        if rule is not None and not rule.sized_fields:
            return self.sliced(node, graphql_field, rule)
        return Size(self.default_list_size)

    def sized_children(
        self, node: FieldNode, graphql_field: GraphQLField, rule: ListSizeRule | None
    ) -> tuple[tuple[str, Size], ...]:
        if rule is None or not rule.sized_fields:
            return ()
        size = self.sliced(node, graphql_field, rule)
        return tuple((name, size) for name in rule.sized_fields)

    def sliced(self, node: FieldNode, graphql_field: GraphQLField, rule: ListSizeRule) -> Size:
        """The size a slicing argument asks for, else its default, else the assumed size."""
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        assumed = rule.assumed_size or self.default_list_size
        for name in rule.slicing_arguments:
            default = graphql_field.args[name].default_value if name in graphql_field.args else None
            fallback = default if isinstance(default, int) else assumed
            value = given.get(name)
            if isinstance(value, IntValueNode):
                return Size(int(value.value))
            if isinstance(value, ListValueNode):
                return Size(len(value.values))
            if isinstance(value, VariableNode):
                self.variable_sized = True
                variable = value.name.value
                return Size(self.defaults.get(variable, fallback), variable)
            if value is None and isinstance(default, int):
                return Size(default)
        return Size(assumed)


def _is_list(graphql_type: Any) -> bool:
    inner = graphql_type.of_type if is_non_null_type(graphql_type) else graphql_type
    return is_list_type(inner)


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, int]:
    defaults: dict[str, int] = {}
    for definition in operation.variable_definitions or ():
        value = definition.default_value
        if isinstance(value, IntValueNode):
            defaults[definition.variable.name.value] = int(value.value)
    return defaults


def _root_field_names(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> list[str]:
    names: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names += _root_field_names(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            names += _root_field_names(fragments[selection.name.value].selection_set, fragments)
    return names
