"""Demand control as validation rules whose errors say which limit was hit.

Depth counts nested selection sets through fragments, as graphql-depth-limit does
(``{ region { parent { code } } }`` has depth 2); aliases count every aliased field
in the document. Tokens are counted by the parser (``schema.documents``).
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from hub.core.errors import ErrorCode


def depth_limit(maximum: int) -> type[ValidationRule]:
    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            fragments = {
                f.name.value: f
                for f in self.context.document.definitions
                if isinstance(f, FragmentDefinitionNode)
            }
            depth = _depth(node.selection_set, fragments, set())
            if depth > maximum:
                self.report_error(
                    GraphQLError(
                        f"query depth {depth} exceeds the limit of {maximum}",
                        node,
                        extensions={"code": ErrorCode.DEPTH_LIMIT_EXCEEDED.value, "limit": maximum},
                    )
                )

    return DepthLimit


def _depth(
    selections: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: set[str],
) -> int:
    if selections is None:
        return 0
    deepest = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__") or selection.selection_set is None:
                continue  # leaves add no depth; introspection has its own fixed shape
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, FragmentSpreadNode):
            deepest = max(deepest, _fragment_depth(selection, fragments, visiting))
    return deepest


def _fragment_depth(
    spread: FragmentSpreadNode, fragments: dict[str, FragmentDefinitionNode], visiting: set[str]
) -> int:
    name = spread.name.value
    fragment = fragments.get(name)
    if fragment is None or name in visiting:  # unknown or cyclic: other rules report it
        return 0
    return _depth(fragment.selection_set, fragments, visiting | {name})


def alias_limit(maximum: int) -> type[ValidationRule]:
    class AliasLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.aliases = 0

        def enter_field(self, node: FieldNode, *_: object) -> None:
            if node.alias is None:
                return
            self.aliases += 1
            if self.aliases == maximum + 1:
                self.report_error(
                    GraphQLError(
                        f"more than {maximum} aliases in one document",
                        node,
                        extensions={"code": ErrorCode.ALIAS_LIMIT_EXCEEDED.value, "limit": maximum},
                    )
                )

    return AliasLimit
