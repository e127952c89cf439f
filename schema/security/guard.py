"""Enforcement inside execution: resolvers wrapped once, at schema build, by the plan.

Only fields that need it are wrapped, so every other field runs as it was:

- a field returning grid-placed records (a ``Region``, anything with a ``gridCode``)
  drops, nulls or refuses what lies outside a grid-scoped principal's grids: lists lose
  the item (or hold null where the schema allows it, as ``_entities`` must), a nullable
  field is null, a non-null one is a FORBIDDEN error;
- a ``@personal`` field is masked unless the principal holds ``pii:read:<department>``,
  and an unmasked read is noted for the audit trail;
- a subscription re-checks its principal's credential before each event, and drops
  events outside the principal's grids;
- a mutation's root field is noted for the audit trail, refused or not;
- ``_entities`` refuses each representation that names no entity type, or one (or an
  interface of it) needing a scope the principal lacks: the types arrive as data,
  after the document was planned.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    default_field_resolver,
    get_named_type,
    is_list_type,
    is_non_null_type,
)

from hub.core.errors import BadUserInputError, ForbiddenError, HubError, UnauthenticatedError
from hub.security.audit import Action
from hub.security.principal import GridScope, Principal
from schema.security.masking import mask
from schema.security.operation import current_operation
from schema.security.plan import PersonalRule, RowKey, SecurityPlan

Resolver = Callable[..., Any]
Info = GraphQLResolveInfo[Any]
NOT_YOURS = "not within the grids this principal may see"
ENTITIES = "_entities"
ENTITY_UNION = "_Entity"


def install(plan: SecurityPlan) -> None:
    """Wrap the resolvers the plan says need it; call once, on a freshly built schema."""
    schema = plan.schema
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, graphql_field in graphql_type.fields.items():
            rule = plan.rule(name, field_name)
            if rule is not None and rule.personal is not None:
                _wrap(graphql_field, _personal(graphql_field, rule.coordinate, rule.personal, plan))
            elif plan.scoped_types(get_named_type(graphql_field.type)):
                _wrap(graphql_field, _rows(graphql_field, plan))
            if graphql_type is schema.mutation_type:
                _wrap(graphql_field, _audited(graphql_field, f"{name}.{field_name}", plan))
    _install_roots(plan)


def _install_roots(plan: SecurityPlan) -> None:
    schema = plan.schema
    for graphql_field in (
        schema.subscription_type.fields if schema.subscription_type else {}
    ).values():
        graphql_field.subscribe = _subscription(graphql_field.subscribe, plan)
    entities = schema.query_type.fields.get(ENTITIES) if schema.query_type else None
    if entities is not None:
        _wrap(entities, _entities(entities, plan))


def _wrap(graphql_field: GraphQLField, resolve: Resolver) -> None:
    graphql_field.resolve = resolve


def _original(graphql_field: GraphQLField) -> Resolver:
    return graphql_field.resolve or default_field_resolver


def record_key(value: object, plan: SecurityPlan) -> str:
    """How the audit trail names a record: its id, its own ``record_key``, or its grid."""
    kind = type(value).__name__
    own = getattr(value, "record_key", None)
    if isinstance(own, str):
        return own
    key = getattr(value, "id", None)
    if isinstance(key, str | int):
        return f"{kind}:{key}"
    row_key = plan.classes.get(type(value))
    if row_key is not None:
        codes = getattr(value, row_key.attribute, None)
        return f"{kind}@{','.join(codes) if isinstance(codes, list | tuple) else codes}"
    return kind


# -- personal data ----------------------------------------------------------------------


def _personal(
    graphql_field: GraphQLField, coordinate: str, rule: PersonalRule, plan: SecurityPlan
) -> Resolver:
    resolve = _original(graphql_field)

    def apply(value: Any, root: Any, principal: Principal | None) -> Any:
        if value is None or principal is None or rule.scope not in principal.scopes:
            return mask(rule.kind, value)
        operation = current_operation()
        if operation is None:  # executed outside the security extension: fail closed
            return mask(rule.kind, value)
        operation.read(coordinate, record_key(root, plan))
        return value

    def guarded(root: Any, info: Info, **arguments: Any) -> Any:
        value = resolve(root, info, **arguments)
        principal = info.context.principal
        if isawaitable(value):
            return _then(value, lambda v: apply(v, root, principal))
        return apply(value, root, principal)

    return guarded


async def _then(value: Awaitable[Any], after: Callable[[Any], Any]) -> Any:
    return after(await value)


# -- rows -------------------------------------------------------------------------------


def _rows(graphql_field: GraphQLField, plan: SecurityPlan) -> Resolver:
    resolve = _original(graphql_field)
    shape = _Shape(graphql_field)

    def guarded(root: Any, info: Info, **arguments: Any) -> Any:
        value = resolve(root, info, **arguments)
        principal: Principal | None = info.context.principal
        if principal is None or principal.grids.unrestricted:
            return value
        if isawaitable(value):
            return _then(value, lambda v: shape.filter(v, principal.grids, plan))
        return shape.filter(value, principal.grids, plan)

    return guarded


def visible(value: object, scope: GridScope, plan: SecurityPlan) -> bool:
    key: RowKey | None = plan.classes.get(type(value))
    if key is None:
        return True  # not a grid-placed record; its own fields are guarded where needed
    code = getattr(value, key.attribute, None)
    if key.many:
        return any(scope.contains(c) for c in code or ())
    return scope.reaches(code) if key.region else scope.contains(code)


class _Shape:
    """What the field's type allows in place of a record the principal may not see."""

    def __init__(self, graphql_field: GraphQLField) -> None:
        inner = _unwrap_non_null(graphql_field.type)
        self.nullable = inner is graphql_field.type
        self.is_list = is_list_type(inner)
        self.items_nullable = self.is_list and not is_non_null_type(getattr(inner, "of_type", None))

    def filter(self, value: Any, scope: GridScope, plan: SecurityPlan) -> Any:
        if value is None:
            return None
        if self.is_list:
            if self.items_nullable:
                return [self._item(item, scope, plan) for item in value]
            return [
                self._item(item, scope, plan)
                for item in value
                if isawaitable(item) or visible(item, scope, plan)
            ]
        if visible(value, scope, plan):
            return value
        if self.nullable:
            return None
        raise ForbiddenError(NOT_YOURS)

    def _item(self, item: Any, scope: GridScope, plan: SecurityPlan) -> Any:
        """An item of a list; one still to be resolved (``_entities``) is checked once it is."""
        if isawaitable(item):
            return self._item_later(item, scope, plan)
        if visible(item, scope, plan):
            return item
        return None  # only reached for nullable items: the others were dropped

    async def _item_later(self, item: Awaitable[Any], scope: GridScope, plan: SecurityPlan) -> Any:
        value = await item
        if value is None or visible(value, scope, plan):
            return value
        if self.items_nullable:
            return None
        raise ForbiddenError(NOT_YOURS)


def _unwrap_non_null(graphql_type: GraphQLType) -> GraphQLType:
    if is_non_null_type(graphql_type):
        inner: GraphQLType = getattr(graphql_type, "of_type", graphql_type)
        return inner
    return graphql_type


# -- federation's _entities -------------------------------------------------------------


def _entities(graphql_field: GraphQLField, plan: SecurityPlan) -> Resolver:
    """Each representation is refused unless it names an entity type the principal may
    read: the document's plan cannot know the types, which arrive as data."""
    resolve = _original(graphql_field)
    entity_types = _entity_types(plan.schema)

    def guarded(root: Any, info: Info, representations: list[Any], **arguments: Any) -> Any:
        principal: Principal | None = info.context.principal
        held = principal.scopes if principal else frozenset()
        refusals = [_refusal(r, entity_types, held, plan) for r in representations]
        allowed = [r for r, refusal in zip(representations, refusals, strict=True) if not refusal]
        if len(allowed) == len(representations):
            return resolve(root, info, representations=representations, **arguments)
        value = resolve(root, info, representations=allowed, **arguments) if allowed else []
        if isawaitable(value):
            return _then(value, lambda v: _splice(v, refusals))
        return _splice(value, refusals)

    return guarded


def _entity_types(schema: GraphQLSchema) -> frozenset[str]:
    """The ``_Entity`` union's members, and the interfaces a representation may name instead."""
    union = schema.get_type(ENTITY_UNION)
    members = union.types if isinstance(union, GraphQLUnionType) else ()
    return frozenset({t.name for t in members} | {i.name for t in members for i in t.interfaces})


def _refusal(
    representation: Any, entity_types: frozenset[str], held: frozenset[str], plan: SecurityPlan
) -> HubError | None:
    type_name = representation.get("__typename") if isinstance(representation, dict) else None
    if type_name not in entity_types:
        return BadUserInputError(
            f"a representation needs the __typename of an entity type, not {type_name!r}"
        )
    for name, alternatives in plan.type_requirements(type_name):
        if not any(group <= held for group in alternatives):
            needs = " or ".join(" and ".join(sorted(group)) for group in alternatives)
            return ForbiddenError(
                f"{name} needs the scope {needs}",
                field=name,
                requiredScopes=[sorted(group) for group in alternatives],
            )
    return None


def _splice(resolved: Iterable[Any], refusals: list[HubError | None]) -> list[Any]:
    """The resolved items back in their places, each refusal in its own (a null and an error)."""
    items = iter(resolved)
    return [refusal if refusal is not None else next(items) for refusal in refusals]


# -- subscriptions and mutations --------------------------------------------------------


def _subscription(subscribe: Resolver | None, plan: SecurityPlan) -> Resolver:
    async def guarded(root: Any, info: Info, **arguments: Any) -> AsyncIterator[Any]:
        assert subscribe is not None
        source = subscribe(root, info, **arguments)
        if isawaitable(source):
            source = await source
        return _rechecked(source, info, plan)

    return guarded


async def _rechecked(
    source: AsyncIterable[Any], info: Info, plan: SecurityPlan
) -> AsyncIterator[Any]:
    context = info.context
    async for event in source:
        if not await context.still_authorised():
            raise UnauthenticatedError(
                "not authenticated: the credential is no longer valid", reason="revoked or expired"
            )
        principal: Principal = context.principal
        if principal.grids.unrestricted or visible(event, principal.grids, plan):
            yield event


def _audited(graphql_field: GraphQLField, coordinate: str, plan: SecurityPlan) -> Resolver:
    resolve = _original(graphql_field)

    async def guarded(root: Any, info: Info, **arguments: Any) -> Any:
        operation = current_operation()
        try:
            value = resolve(root, info, **arguments)
            if isawaitable(value):
                value = await value
        except Exception:
            if operation is not None:
                operation.changed(Action.MUTATION_REFUSED, coordinate, "")
            raise
        if operation is not None:
            operation.changed(Action.MUTATION, coordinate, record_key(value, plan))
        return value

    return guarded
