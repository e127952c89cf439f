"""The security plan: what every field of the schema demands, computed once at build.

Read from the schema's own declarations, never from a list of field names:

- ``@requiresScopes(scopes: [[a, b], [c]])`` on a field or a type: (a and b) or c;
  on a type it applies wherever the type is returned or named in a fragment;
- ``@personal(kind:, department:)`` on a field: masked unless ``pii:read:<department>``;
- ``@listSize`` and ``@cost`` on a field: the demand-control estimate;
- the grid a record belongs to, for row filtering: a type implementing ``Region`` is
  placed by its ``code``; any other type by a ``gridCode`` (or ``gridCodes``) field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)
from strawberry.federation.schema_directives import Cost, ListSize, RequiresScopes

from connectors.sdk.graph import Personal, PersonalDataKind

REGION_INTERFACE = "Region"
GRID_CODE_FIELDS = ("gridCode", "gridCodes")
Alternatives = tuple[frozenset[str], ...]  # any one set, all of its scopes


class SchemaDeclarationError(ValueError):
    """A declaration the security plan cannot enforce; raised while building the schema."""


@dataclass(frozen=True, slots=True)
class ListSizeRule:
    assumed_size: int | None
    slicing_arguments: tuple[str, ...]
    sized_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonalRule:
    kind: PersonalDataKind
    department: str

    @property
    def scope(self) -> str:
        return f"pii:read:{self.department}"


@dataclass(frozen=True, slots=True)
class FieldRule:
    coordinate: str
    scopes: Alternatives = ()
    personal: PersonalRule | None = None
    list_size: ListSizeRule | None = None
    weight: int | None = None


@dataclass(frozen=True, slots=True)
class RowKey:
    """Where a record's grid code lives on its Python object."""

    attribute: str
    region: bool = False  # regions are also visible on the way down to a principal's grid
    many: bool = False  # a list of codes: visible when any is


@dataclass
class SecurityPlan:
    schema: GraphQLSchema
    fields: dict[tuple[str, str], FieldRule] = field(default_factory=dict)
    type_scopes: dict[str, Alternatives] = field(default_factory=dict)
    row_keys: dict[str, RowKey] = field(default_factory=dict)  # by GraphQL type name
    classes: dict[type, RowKey] = field(default_factory=dict)  # by Python class

    @classmethod
    def of(cls, schema: GraphQLSchema) -> SecurityPlan:
        plan = cls(schema)
        for graphql_type in _user_types(schema):
            plan._read_type(graphql_type)
        if schema.query_type and "_entities" in schema.query_type.fields:
            # Federation's own field, which cannot carry a directive: as many as asked for.
            plan.fields[("Query", "_entities")] = FieldRule(
                "Query._entities", list_size=ListSizeRule(None, ("representations",), ())
            )
        return plan

    def rule(self, type_name: str, field_name: str) -> FieldRule | None:
        return self.fields.get((type_name, field_name))

    def personal_fields(self) -> list[tuple[str, str, PersonalRule]]:
        return [
            (type_name, field_name, rule.personal)
            for (type_name, field_name), rule in sorted(self.fields.items())
            if rule.personal is not None
        ]

    def type_requirements(self, type_name: str) -> list[tuple[str, Alternatives]]:
        """What a record of this type needs wherever it is read: the type's own
        ``@requiresScopes`` and each of its interfaces' (declared there, met here)."""
        graphql_type = self.schema.get_type(type_name)
        interfaces = getattr(graphql_type, "interfaces", ())
        names = [type_name, *(i.name for i in interfaces)]
        return [(name, self.type_scopes[name]) for name in names if name in self.type_scopes]

    def scoped_types(self, named: GraphQLNamedType) -> list[GraphQLObjectType]:
        """The object types behind ``named`` whose records carry a grid code."""
        return [t for t in self.possible_types(named) if t.name in self.row_keys]

    def possible_types(self, named: GraphQLNamedType) -> Sequence[GraphQLObjectType]:
        if isinstance(named, GraphQLObjectType):
            return [named]
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.get_possible_types(named)
        return []

    def _read_type(self, graphql_type: GraphQLObjectType | GraphQLInterfaceType) -> None:
        scopes = _scopes(_directives(graphql_type))
        if scopes:
            self.type_scopes[graphql_type.name] = scopes
        for name, graphql_field in graphql_type.fields.items():
            rule = _field_rule(f"{graphql_type.name}.{name}", graphql_field)
            if rule != FieldRule(rule.coordinate):
                self.fields[(graphql_type.name, name)] = rule
        if isinstance(graphql_type, GraphQLObjectType):
            self._read_row_key(graphql_type)

    def _read_row_key(self, graphql_type: GraphQLObjectType) -> None:
        key = _row_key(graphql_type)
        if key is None:
            return
        self.row_keys[graphql_type.name] = key
        origin = getattr(graphql_type.extensions.get("strawberry-definition"), "origin", None)
        if isinstance(origin, type):
            self.classes[origin] = key


def _user_types(schema: GraphQLSchema) -> Iterator[GraphQLObjectType | GraphQLInterfaceType]:
    for name, graphql_type in schema.type_map.items():
        if not name.startswith("__") and isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType
        ):
            yield graphql_type


def _directives(owner: Any) -> list[object]:
    definition = owner.extensions.get("strawberry-definition")
    return list(getattr(definition, "directives", None) or [])


def _scopes(directives: list[object]) -> Alternatives:
    return tuple(
        frozenset(group)
        for directive in directives
        if isinstance(directive, RequiresScopes)
        for group in directive.scopes
    )


def _field_rule(coordinate: str, graphql_field: GraphQLField) -> FieldRule:
    directives = _directives(graphql_field)
    personal = next((d for d in directives if isinstance(d, Personal)), None)
    if personal is not None and not is_leaf_type(get_named_type(graphql_field.type)):
        raise SchemaDeclarationError(f"{coordinate}: @personal belongs on a scalar field")
    list_size = next((d for d in directives if isinstance(d, ListSize)), None)
    cost = next((d for d in directives if isinstance(d, Cost)), None)
    return FieldRule(
        coordinate=coordinate,
        scopes=_scopes(directives),
        personal=PersonalRule(personal.kind, personal.department) if personal else None,
        list_size=_list_size(list_size) if list_size else None,
        weight=cost.weight if cost else None,
    )


def _list_size(directive: ListSize) -> ListSizeRule:
    return ListSizeRule(
        assumed_size=directive.assumed_size or None,
        slicing_arguments=tuple(directive.slicing_arguments or ()),
        sized_fields=tuple(directive.sized_fields or ()),
    )


def _row_key(graphql_type: GraphQLObjectType) -> RowKey | None:
    if any(i.name == REGION_INTERFACE for i in graphql_type.interfaces):
        return RowKey(_python_name(graphql_type.fields["code"], "code"), region=True)
    for name in GRID_CODE_FIELDS:
        if name in graphql_type.fields:
            attribute = _python_name(graphql_type.fields[name], name)
            return RowKey(attribute, many=name.endswith("s"))
    return None


def _python_name(graphql_field: GraphQLField, default: str) -> str:
    definition = graphql_field.extensions.get("strawberry-definition")
    return str(getattr(definition, "python_name", None) or default)
