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
from schema.security import PersonalRule, SecurityPlan, mask

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
        """The first stored personal value in a result shaped like ``selection()``,
        looking through every list item (not every record holds every personal field)."""
        return _first_value(data, (*(step.field for step in self.steps), self.field))


def _first_value(data: object, keys: tuple[str, ...]) -> object:
    if isinstance(data, list):
        return next((v for item in data if (v := _first_value(item, keys)) is not None), None)
    if not keys:
        return data
    return _first_value(data.get(keys[0]), keys[1:]) if isinstance(data, dict) else None


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
    # Scopes are checked on the document before it runs; rows only as it runs.
    for type_name, field in path.coordinates:
        rule = plan.rule(type_name, field)
        # A field's own @requiresScopes and its type's must both be met; each is a
        # choice of scope groups, one of which suffices.
        for needs in (rule.scopes if rule else (), plan.type_scopes.get(type_name, ())):
            if needs and not any(group <= principal.scopes for group in needs):
                return Outcome.REFUSED
    if not principal.grids.reaches(code):
        return Outcome.HIDDEN
    return Outcome.VISIBLE if path.rule.scope in principal.scopes else Outcome.MASKED


def masked(path: PersonalPath, raw: object) -> object:
    return mask(path.rule.kind, raw)
