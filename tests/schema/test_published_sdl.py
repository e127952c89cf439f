"""The published SDL: authorization directives only where federation composition allows them."""

from __future__ import annotations

import re

from graphql import parse

from schema.sdl import publishable

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
