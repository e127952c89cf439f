"""The published subgraph SDL: strawberry's print, edited into what composition accepts.

Federation composition (Apollo's, and The Guild's from federation v2.9 on) refuses the
authorization directives ``@requiresScopes``, ``@policy`` and ``@authenticated`` on
interfaces, interface fields and interface objects: it derives an interface's
requirements from its implementations. The hub declares them where they read best (the
``Region`` interface needs ``grid:read``) and enforces them in process from those
declarations (``schema.security.plan``), whatever the published SDL says. The published
SDL moves each one down instead: an interface's requirement is joined (AND) to every
implementing type's, an interface field's to the same field of every implementation, so
a gateway that enforces the directives asks at least what the hub asks. An
``@interfaceObject`` has no implementation here to move it to; there it is dropped.

``auth_directives=False`` leaves every authorization directive out, with its ``@link``
import: Apollo Gateway refuses a supergraph that links a SECURITY feature it cannot
enforce.

The edits are made on the printed text at the places the parsed document points to, so
everything else keeps strawberry's layout byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeGuard

from graphql import (
    ConstArgumentNode,
    ConstDirectiveNode,
    ConstListValueNode,
    DocumentNode,
    FieldDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListValueNode,
    NameNode,
    Node,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    StringValueNode,
    parse,
    print_ast,
)

# Both composition libraries accept v2.9 (The Guild's 0.27 knows no later version), and
# v2.9 is the first to define @listSize and @cost, which the hub's demand control uses.
FEDERATION_VERSION: Final = "2.9"

# Each authorization directive, with the argument holding its alternatives (OR of ANDs).
AUTH_ARGUMENTS: dict[str, str | None] = {
    "requiresScopes": "scopes",
    "policy": "policies",
    "authenticated": None,
}
INTERFACE_OBJECT = "interfaceObject"

Alternatives = frozenset[frozenset[str]]  # any one group, all of its items
Owner = ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | FieldDefinitionNode


def publishable(printed: str, *, auth_directives: bool = True) -> str:
    """``printed`` (strawberry's SDL of the hub's schema) as the hub publishes it."""
    document = parse(printed)
    edits = _Edits(printed)
    if auth_directives:
        _move_off_interfaces(document, edits)
    else:
        _leave_out(document, edits)
    return edits.apply()


# -- moving requirements from interfaces to their implementations ------------------------


def _move_off_interfaces(document: DocumentNode, edits: _Edits) -> None:
    interfaces = {
        d.name.value: d for d in document.definitions if isinstance(d, InterfaceTypeDefinitionNode)
    }
    for definition in document.definitions:
        if isinstance(definition, InterfaceTypeDefinitionNode) or _is_interface_object(definition):
            _remove_from_type(definition, edits)
        elif isinstance(definition, ObjectTypeDefinitionNode):
            implemented = [interfaces[i.name.value] for i in definition.interfaces or ()]
            _join(definition, implemented, edits)


def _remove_from_type(
    definition: ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode, edits: _Edits
) -> None:
    for owner in (definition, *(definition.fields or ())):
        edits.remove_all(_auth(owner))


def _join(
    definition: ObjectTypeDefinitionNode,
    interfaces: Sequence[InterfaceTypeDefinitionNode],
    edits: _Edits,
) -> None:
    edits.require(definition, _requirements(definition, interfaces))
    for field in definition.fields or ():
        same = [f for i in interfaces for f in i.fields or () if f.name.value == field.name.value]
        edits.require(field, _requirements(field, same))


def _requirements(owner: Owner, above: Sequence[Owner]) -> dict[str, Alternatives]:
    """Each authorization directive's alternatives on ``owner`` joined with those above it."""
    joined: dict[str, Alternatives] = {}
    for node in (owner, *above):
        for directive in _auth(node):
            name = directive.name.value
            alternatives = _alternatives(directive)
            joined[name] = _and(joined[name], alternatives) if name in joined else alternatives
    return joined


def _and(left: Alternatives, right: Alternatives) -> Alternatives:
    """(a or b) and (c or d) is (a and c) or (a and d) or …, without redundant groups."""
    groups = {a | b for a in left for b in right}
    return frozenset(g for g in groups if not any(other < g for other in groups))


# -- leaving them out ---------------------------------------------------------------------


def _leave_out(document: DocumentNode, edits: _Edits) -> None:
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            _remove_from_type(definition, edits)
        elif isinstance(definition, SchemaDefinitionNode):
            for link in definition.directives or ():
                _drop_imports(link, edits)


def _drop_imports(link: ConstDirectiveNode, edits: _Edits) -> None:
    if link.name.value != "link":
        return
    for argument in link.arguments or ():
        if argument.name.value == "import" and isinstance(argument.value, ListValueNode):
            kept = [
                v
                for v in argument.value.values
                if not (isinstance(v, StringValueNode) and v.value.lstrip("@") in AUTH_ARGUMENTS)
            ]
            edits.replace(argument.value, print_ast(ListValueNode(values=tuple(kept))))


# -- reading and writing directives -------------------------------------------------------


def _is_interface_object(definition: Node) -> TypeGuard[ObjectTypeDefinitionNode]:
    return isinstance(definition, ObjectTypeDefinitionNode) and any(
        d.name.value == INTERFACE_OBJECT for d in definition.directives or ()
    )


def _auth(owner: Owner) -> list[ConstDirectiveNode]:
    return [d for d in owner.directives or () if d.name.value in AUTH_ARGUMENTS]


def _alternatives(directive: ConstDirectiveNode) -> Alternatives:
    argument = AUTH_ARGUMENTS[directive.name.value]
    if argument is None:  # @authenticated: one group asking for nothing more
        return frozenset({frozenset()})
    value = next((a.value for a in directive.arguments or () if a.name.value == argument), None)
    assert isinstance(value, ListValueNode), f"@{directive.name.value} without {argument}"
    return frozenset(
        frozenset(item.value for item in group.values if isinstance(item, StringValueNode))
        for group in value.values
        if isinstance(group, ListValueNode)
    )


def _printed(name: str, alternatives: Alternatives) -> str:
    argument = AUTH_ARGUMENTS[name]
    if argument is None:
        return f"@{name}"
    groups = sorted(sorted(group) for group in alternatives)
    value = ConstListValueNode(
        values=tuple(
            ConstListValueNode(values=tuple(StringValueNode(value=item) for item in group))
            for group in groups
        )
    )
    node = ConstDirectiveNode(
        name=NameNode(value=name),
        arguments=(ConstArgumentNode(name=NameNode(value=argument), value=value),),
    )
    return print_ast(node)


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    text: str


class _Edits:
    """Replacements in the printed text, at offsets the parsed document gives."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.edits: list[_Edit] = []

    def replace(self, node: Node, text: str) -> None:
        assert node.loc is not None
        self.edits.append(_Edit(node.loc.start, node.loc.end, text))

    def remove_all(self, directives: Iterable[ConstDirectiveNode]) -> None:
        for directive in directives:
            assert directive.loc is not None
            start = directive.loc.start
            while start > 0 and self.text[start - 1] == " ":  # the space printed before it
                start -= 1
            self.edits.append(_Edit(start, directive.loc.end, ""))

    def require(self, owner: Owner, requirements: dict[str, Alternatives]) -> None:
        """Make ``owner`` carry exactly these requirements, touching only what changes."""
        present = {d.name.value: d for d in _auth(owner)}
        for name, alternatives in requirements.items():
            directive = present.get(name)
            if directive is None:
                end = _end_of_signature(owner)
                self.edits.append(_Edit(end, end, " " + _printed(name, alternatives)))
            elif _alternatives(directive) != alternatives:
                self.replace(directive, _printed(name, alternatives))

    def apply(self) -> str:
        text = self.text
        for edit in sorted(self.edits, key=lambda e: (e.start, e.end), reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        return text


def _end_of_signature(owner: Owner) -> int:
    """Where a new directive goes: after the name, interfaces or type, and directives."""
    parts: list[Node] = [owner.name, *(owner.directives or ())]
    if isinstance(owner, FieldDefinitionNode):
        parts.append(owner.type)
    else:
        parts += owner.interfaces or ()
    ends = [part.loc.end for part in parts if part.loc is not None]
    return max(ends)
