"""Input objects built from graphql-core's coerced values, by plans made with the schema.

Strawberry turns an argument's value into its input objects (``convert_argument``) by
resolving the annotation of every field of every input type on every use, and naming
each field again: for ``reportEvent``'s input, about 260 µs a report under a profile,
more than the rest of its execution. graphql-core has coerced every leaf by then
(scalars parsed, enum names turned into members), so what is left is building objects.
Each input type of the schema gets a plan of its fields (GraphQL name, Python name, how
to convert the value) when the schema is built, installed as strawberry's own hook for
types that build their own value (``from_input``). A field of a kind the plan does not
know (``Maybe``, ``GlobalID``) is converted by strawberry, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass
from typing import Any

import strawberry
from strawberry.relay import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType

Convert = Callable[[Any, InputContext], Any]
Registry = Mapping[object, Any]


@dataclass(frozen=True, slots=True)
class InputPlan:
    """How one input type is built: its fields by GraphQL name, and those that are None
    when not given (strawberry's implicit default for fields declared without one)."""

    fields: dict[str, tuple[str, Convert]]
    implicit_none: tuple[str, ...]

    def __call__(self, cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        arguments: dict[str, Any] = dict.fromkeys(self.implicit_none)
        for name, given in value.items():
            python_name, convert = self.fields[name]
            arguments[python_name] = convert(given, context)
        return cls(**arguments)


def plan_inputs(schema: strawberry.Schema) -> None:
    """Give every input type of ``schema`` a plan, unless it builds its own value."""
    registry = schema.schema_converter.scalar_registry
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if not isinstance(definition, StrawberryObjectDefinition) or not definition.is_input:
            continue
        if definition.from_input is None or isinstance(definition.from_input, InputPlan):
            definition.from_input = _plan(definition, schema, registry)


def _plan(
    definition: StrawberryObjectDefinition, schema: strawberry.Schema, registry: Registry
) -> InputPlan:
    fields: dict[str, tuple[str, Convert]] = {}
    for field in definition.fields:
        name = schema.config.name_converter.from_field(field)
        field_type = field.resolve_type(type_definition=definition)
        fields[name] = (field.python_name, _converter(field_type, name, registry))
    implicit_none = tuple(
        field.python_name
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    )
    return InputPlan(fields, implicit_none)


def _converter(field_type: StrawberryType | type, name: str, registry: Registry) -> Convert:
    if isinstance(field_type, LazyType):
        return _converter(field_type.resolve_type(), name, registry)
    if isinstance(field_type, StrawberryOptional) and not isinstance(field_type, StrawberryMaybe):
        return _or_none(_converter(field_type.of_type, name, registry))
    if isinstance(field_type, StrawberryList):
        return _each(_converter(field_type.of_type, name, registry))
    if _is_leaf(field_type, registry):
        return _as_given
    if has_object_definition(field_type) and field_type.__strawberry_definition__.is_input:
        return _input_object(field_type)
    return _by_strawberry(field_type, name)


def _is_leaf(field_type: StrawberryType | type, registry: Registry) -> bool:
    if field_type is GlobalID:  # decoded by strawberry from its scalar's text
        return False
    return (
        is_scalar(field_type, registry)
        or isinstance(field_type, StrawberryEnumDefinition)
        or has_enum_definition(field_type)
    )


def _as_given(value: Any, _: InputContext) -> Any:
    return value


def _or_none(convert: Convert) -> Convert:
    """For a nullable type: null stays null (graphql-core lets null through nowhere else)."""
    if convert is _as_given:  # a leaf's null is given as it is already
        return _as_given

    def converted(value: Any, context: InputContext) -> Any:
        return None if value is None else convert(value, context)

    return converted


def _each(convert: Convert) -> Convert:
    if convert is _as_given:  # copied even so: graphql-core gives every request that
        return _copied  # omits a list the same default, and a change would leak on

    def converted(values: list[Any], context: InputContext) -> list[Any]:
        return [convert(value, context) for value in values]

    return converted


def _copied(values: list[Any], _: InputContext) -> list[Any]:
    return list(values)


def _input_object(cls: Any) -> Convert:
    definition: StrawberryObjectDefinition = cls.__strawberry_definition__

    def converted(value: Mapping[str, Any], context: InputContext) -> Any:
        build = definition.from_input  # looked up on use: planned after this one, or its own
        if build is None:
            return context.convert(value, cls)
        return build(cls, value, context)

    return converted


def _by_strawberry(field_type: StrawberryType | type, name: str) -> Convert:
    def converted(value: Any, context: InputContext) -> Any:
        return context.convert(value, field_type, name)

    return converted
