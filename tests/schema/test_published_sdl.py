"""The published SDL: authorization directives only where federation composition allows them."""

from __future__ import annotations

import re

import strawberry
from graphql import parse
from strawberry.printer import print_schema

from schema.sdl import publishable
from schema.security import DocumentPlans, SecurityPlan

LINK = (
    'schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
    'import: ["@key", "@requiresScopes", "@authenticated"]) {'
)
DECLARED = (
    LINK
    + """
  query: Query
}

\"\"\"Something with a secret.\"\"\"
interface Thing @key(fields: "id") @requiresScopes(scopes: [["a"]]) {
  id: ID!
  secret: String @requiresScopes(scopes: [["s"], ["t"]])
}

type Plain implements Thing @key(fields: "id") {
  id: ID!
  secret: String
}

type Guarded implements Thing @key(fields: "id") @requiresScopes(scopes: [["b"], ["a"]]) {
  id: ID!

  \"\"\"Only with u, and whatever Thing.secret needs.\"\"\"
  secret: String @requiresScopes(scopes: [["u"]]) @authenticated
}

type Remote @interfaceObject @key(fields: "id") @requiresScopes(scopes: [["r"]]) {
  id: ID!
}

type Query {
  things: [Thing!]! @requiresScopes(scopes: [["a"]])
}
"""
)


def _definition(sdl: str, name: str) -> str:
    found = re.search(rf"^(?:type|interface) {name} .*?^}}", sdl, re.MULTILINE | re.DOTALL)
    assert found is not None, name
    return found.group(0)


def test_interface_requirements_move_down_to_every_implementation() -> None:
    published = publishable(DECLARED)
    parse(published)  # still a valid document
    assert _definition(published, "Thing").startswith('interface Thing @key(fields: "id") {')
    assert "secret: String\n" in _definition(published, "Thing")
    plain = _definition(published, "Plain")
    assert plain.startswith('type Plain implements Thing @key(fields: "id") @requiresScopes(')
    assert '@requiresScopes(scopes: [["a"]]) {' in plain
    assert 'secret: String @requiresScopes(scopes: [["s"], ["t"]])' in plain


def test_requirements_join_as_and_without_redundant_groups() -> None:
    guarded = _definition(publishable(DECLARED), "Guarded")
    # (b or a) and a is a; (u) and (s or t) is (s and u) or (t and u).
    assert '@key(fields: "id") @requiresScopes(scopes: [["a"]]) {' in guarded
    assert 'secret: String @requiresScopes(scopes: [["s", "u"], ["t", "u"]]) @authenticated' in (
        guarded
    )


def test_an_interface_object_loses_them_and_the_rest_is_untouched() -> None:
    published = publishable(DECLARED)
    assert 'type Remote @interfaceObject @key(fields: "id") {' in published
    assert 'things: [Thing!]! @requiresScopes(scopes: [["a"]])' in published
    assert '"""Only with u, and whatever Thing.secret needs."""' in published
    assert published.count("\n\n") == DECLARED.count("\n\n")  # the layout is kept


def test_without_auth_directives_none_is_left_nor_imported() -> None:
    published = publishable(DECLARED, auth_directives=False)
    parse(published)
    for name in ("@requiresScopes", "@authenticated", "@policy"):
        assert name not in published
    assert 'import: ["@key"]) {' in published
    assert "secret: String\n" in _definition(published, "Guarded")


# -- what the hub enforces does not follow the SDL ----------------------------------------


@strawberry.federation.interface(keys=["id"], requires_scopes=[["a"]])
class Thing:
    id: strawberry.ID
    secret: str = strawberry.federation.field(requires_scopes=[["s"]])


@strawberry.federation.type(keys=["id"])
class Plain(Thing):
    pass


@strawberry.type
class ThingQuery:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Plain(id=strawberry.ID("1"), secret="x")]


def test_requirements_moved_in_the_sdl_are_enforced_from_the_declarations() -> None:
    schema = strawberry.federation.Schema(query=ThingQuery, types=[Plain], federation_version="2.9")
    published = publishable(print_schema(schema))
    assert 'interface Thing @key(fields: "id") {' in published
    assert "secret: String!\n" in _definition(published, "Thing")
    plan = SecurityPlan.of(schema._schema)
    plans = DocumentPlans(plan, default_list_size=10, maxsize=10)

    def unmet(query: str, held: set[str]) -> str | None:
        found = plans.get(query, None, parse(query)).unmet(frozenset(held))
        return found.coordinate if found else None

    # Through the interface, and on the implementation (which inherits the field's
    # declaration in Python): the interface's needs hold.
    assert unmet("{ things { id } }", set()) == "Thing"
    assert unmet("{ things { ... on Plain { secret } } }", {"a"}) == "Plain.secret"
    assert unmet("{ things { secret } }", {"a"}) == "Thing.secret"
    assert unmet("{ things { secret } }", {"a", "s"}) is None
