"""The security test matrix, built from the schema: every field carrying personal data,
reached from a grid through every entry (a root query, ``_entities``), for every default
role, with what each role must see worked out from the schema's declarations.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_non_null_type,
)

from hub.security.principal import Principal
from schema.security.masking import mask
from schema.security.plan import PersonalRule, SecurityPlan

ENTRY_TYPE = "Grid"  # where every path starts: records hang off the grid they belong to
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Step:
    field: str
    on: str | None  # an inline fragment's type, when the field returns an abstract type


@dataclass(frozen=True, slots=True)
class PersonalPath:
    """How to reach one personal field from a grid, and the coordinates on the way."""

    type_name: str
    field: str
    rule: PersonalRule
    steps: tuple[Step, ...]
    coordinates: tuple[tuple[str, str], ...]  # (type, field) of every field selected

    @property
    def label(self) -> str:
        return f"{self.type_name}.{self.field}"

    def selection(self) -> str:
        inner = self.field
        for step in reversed(self.steps):
            inner = f"... on {step.on} {{ {inner} }}" if step.on else inner
            inner = f"{step.field} {{ {inner} }}"
        return inner

    def value(self, data: object) -> object:
        """The personal value in a result shaped like ``selection()``, through lists."""
        for step in self.steps:
            data = _first(data)
            data = data.get(step.field) if isinstance(data, dict) else None
        data = _first(data)
        return data.get(self.field) if isinstance(data, dict) else None


def _first(value: object) -> object:
    if isinstance(value, list):
        return next((item for item in value if item is not None), None)
    return value


def personal_paths(plan: SecurityPlan) -> list[PersonalPath]:
    found = []
    for type_name, field, rule in plan.personal_fields():
        path = _shortest_path(plan.schema, ENTRY_TYPE, type_name)
        if path is None:
            raise AssertionError(f"{type_name}.{field} cannot be reached from a {ENTRY_TYPE}")
        steps, coordinates = path
        found.append(
            PersonalPath(type_name, field, rule, steps, (*coordinates, (type_name, field)))
        )
    return found


def _shortest_path(
    schema: GraphQLSchema, start: str, target: str
) -> tuple[tuple[Step, ...], tuple[tuple[str, str], ...]] | None:
    queue: deque[tuple[str, tuple[Step, ...], tuple[tuple[str, str], ...]]] = deque(
        [(start, (), ())]
    )
    seen = {start}
    while queue:
        name, steps, coordinates = queue.popleft()
        if name == target:
            return steps, coordinates
        if len(steps) >= MAX_DEPTH:
            continue
        for step, coordinate, reached in _edges(schema, name):
            if reached not in seen:
                seen.add(reached)
                queue.append((reached, (*steps, step), (*coordinates, coordinate)))
    return None


def _edges(schema: GraphQLSchema, name: str) -> Iterator[tuple[Step, tuple[str, str], str]]:
    owner = schema.get_type(name)
    assert isinstance(owner, GraphQLObjectType)
    for field_name, field in sorted(owner.fields.items()):
        if any(is_non_null_type(a.type) and a.default_value is None for a in field.args.values()):
            continue  # needs an argument the matrix cannot invent
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType):
            yield Step(field_name, None), (name, field_name), named.name
        elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            for possible in schema.get_possible_types(named):
                yield Step(field_name, possible.name), (name, field_name), possible.name


class Outcome:
    VISIBLE = "visible"
    MASKED = "masked"
    REFUSED = "refused"
    HIDDEN = "hidden"  # outside the principal's grids: as if it did not exist


def expected(plan: SecurityPlan, path: PersonalPath, principal: Principal, code: str) -> str:
    if not principal.grids.reaches(code):
        return Outcome.HIDDEN
    for type_name, field in path.coordinates:
        rule = plan.rule(type_name, field)
        needs = [*(rule.scopes if rule else ()), *plan.type_scopes.get(type_name, ())]
        if needs and not any(group <= principal.scopes for group in needs):
            return Outcome.REFUSED
    return Outcome.VISIBLE if path.rule.scope in principal.scopes else Outcome.MASKED


def masked(path: PersonalPath, raw: object) -> object:
    return mask(path.rule.kind, raw)
