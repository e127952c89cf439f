"""Fields a connector adds to the graph, and how they resolve through the SDK.

    @strawberry.type
    class PoliceGridFields:
        incidents = grid_field(PoliceConnector, Incidents, Incident, "110 incidents here.")

A grid field batches: every grid in a query that asks for the same records with the
same filter shares one DataLoader, so one upstream fetch serves them all. The records
come back placed in unified grids, filtered, newest first, and paged per grid.
"""

# No ``from __future__ import annotations``: the resolvers below are annotated with
# the node type each field is made for, which must be a real object when strawberry
# reads it.

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from connectors.sdk import (
    AreaContext,
    Connector,
    ContractViolationError,
    MappingError,
    Placed,
    Record,
    Stream,
    UpstreamSession,
    place,
)
from connectors.sdk.graph import DepartmentRecord, LifecycleStatus, RecordFilter
from hub.core.errors import BadUserInputError
from schema.context import Info
from schema.pagination import (
    Connection,
    Edge,
    check_page_size,
    decode_cursor,
    encode_cursor,
)

DEFAULT_PAGE = 20
_SEPARATOR = "|"


def grid_field(
    connector: type[Connector], stream: type[Stream], node: Any, description: str
) -> Any:
    """A ``Grid`` field listing ``stream``'s records in the grid, as ``node`` objects."""

    async def resolve(
        root: Any,
        info: Info,
        where: RecordFilter | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Any:
        return await grid_records(
            info, connector.name, stream, root.code, where=where, first=first, after=after
        )

    resolve.__annotations__["return"] = Connection[node] | None
    return strawberry.federation.field(
        resolver=resolve, description=description, requires_scopes=[[_scope(connector)]]
    )


def lookup_field(
    connector: type[Connector], stream: type[Stream], node: Any, description: str
) -> Any:
    """A root field answering one of ``stream``'s records by its id, or null."""

    async def resolve(info: Info, id: strawberry.ID) -> Any:
        return await record_by_key(info, connector.name, stream, str(id))

    resolve.__annotations__["return"] = node | None
    return strawberry.federation.field(
        resolver=resolve, description=description, requires_scopes=[[_scope(connector)]]
    )


def _scope(connector: type[Connector]) -> str:
    return f"dept:read:{connector.department}"


async def grid_records(  # noqa: PLR0913 - the field's arguments, passed on
    info: Info,
    connector: str,
    stream: type[Stream],
    grid_code: str,
    *,
    where: RecordFilter | None,
    first: int,
    after: str | None,
) -> Connection[DepartmentRecord]:
    check_page_size(first, info.context.services.settings.graphql.max_page_size)
    where = where or RecordFilter()
    where.check()
    if after:
        _position(after)  # a bad cursor is refused before anything is fetched
    session = info.context.upstream
    loader = session.loader(
        ("grid", connector, stream.name, where.key()),
        lambda: DataLoader(partial(_load_grids, session, connector, stream, where)),
    )
    return _page(await loader.load(grid_code), first, after)


async def record_by_key(
    info: Info, connector: str, stream: type[Stream], key: str
) -> DepartmentRecord | None:
    if stream.key_pattern is not None and not stream.key_pattern.fullmatch(key):
        raise BadUserInputError(f"not a {connector} {stream.name} id", argument="id")
    session = info.context.upstream
    loader = session.loader(
        ("key", connector, stream.name),
        lambda: DataLoader(partial(_load_keys, session, connector, stream)),
    )
    found: DepartmentRecord | None = await loader.load(key)
    return found


async def _load_grids(
    session: UpstreamSession,
    name: str,
    stream: type[Stream],
    where: RecordFilter,
    grid_codes: Sequence[str],
) -> list[list[DepartmentRecord]]:
    connector = session.connectors[name]
    connector.ensure_enabled()
    scheme, index = connector.crosswalk(), session.index()
    area = stream.area.params(grid_codes, AreaContext(scheme, index, session.regions))
    if area is None:  # the area model found nothing to ask for (no department grid overlaps)
        return [[] for _ in grid_codes]
    params = {**stream.window(where.since, where.until), **area}
    records = await connector.fetch(stream, session.call, params)
    # Filter on the few fields the filter reads, then place, then map what is left:
    # nothing is placed or mapped whole to be dropped.
    passed = _filtered(connector, stream, where, records)
    known = {id(record): fields for record, fields in passed}
    by_grid: defaultdict[str, list[DepartmentRecord]] = defaultdict(list)
    kept = [record for record, _ in passed]
    for placed in place(stream, kept, index, scheme, set(grid_codes)):
        node = to_node(connector, stream, placed, known[id(placed.record)])
        by_grid[placed.grid_code].append(node)
    return [sorted(by_grid[code], key=_order, reverse=True) for code in grid_codes]


def _filtered(
    connector: Connector, stream: type[Stream], where: RecordFilter, records: Sequence[Record]
) -> list[tuple[Record, dict[str, Any]]]:
    """The records ``where`` keeps, each with the mapped fields it read to decide. A
    record it cannot read is kept with none: if placed in a wanted grid, mapping it
    raises, as it would have before any filter."""
    names = where.reads()
    if not names:
        return [(record, {}) for record in records]
    passed: list[tuple[Record, dict[str, Any]]] = []
    for record in records:
        try:
            fields = stream.mapping.read_some(record, names)
        except MappingError:
            passed.append((record, {}))
            continue
        status = fields.get("status")  # read when the filter needs a lifecycle status
        if where.holds(fields, None if status is None else _lifecycle(connector, stream, status)):
            passed.append((record, fields))
    return passed


def _lifecycle(connector: Connector, stream: type[Stream], status: str) -> LifecycleStatus | None:
    return connector.statuses.lifecycle(status) if stream.has_lifecycle else None


async def _load_keys(
    session: UpstreamSession, name: str, stream: type[Stream], keys: Sequence[str]
) -> list[DepartmentRecord | None]:
    connector = session.connectors[name]
    connector.ensure_enabled()
    found = await asyncio.gather(*(connector.fetch_one(stream, key, session.call) for key in keys))
    records = [record for record in found if record is not None]
    scheme = connector.crosswalk()
    placed = {stream.key(p.record): p for p in place(stream, records, session.index(), scheme)}
    return [to_node(connector, stream, placed[key]) if key in placed else None for key in keys]


def to_node(
    connector: Connector,
    stream: type[Stream],
    placed: Placed,
    known: dict[str, Any] | None = None,
) -> Any:
    """The graph object of a placed record (``known``: fields read from it already); a
    record the mapping cannot read breaks the contract as surely as one that fails
    validation."""
    try:
        fields = stream.mapping.read(placed.record, known)
    except MappingError as error:
        raise ContractViolationError(
            connector.name, f"sent an unreadable record: {error}"
        ) from None
    return stream.mapping.node_type(
        **fields,
        department=connector.department,
        grid_code=placed.grid_code,
        department_grid=stream.grid_of(placed.record),
        approximate=placed.approximate,
        lifecycle_status=_lifecycle(connector, stream, fields["status"]),
    )


def _order(record: DepartmentRecord) -> tuple[float, str]:
    return record.occurred_at.timestamp(), str(record.id)


def _cursor(record: DepartmentRecord) -> str:
    timestamp, key = _order(record)
    return encode_cursor(f"{timestamp!r}{_SEPARATOR}{key}")


def _position(cursor: str) -> tuple[float, str]:
    timestamp, _, key = decode_cursor(cursor).partition(_SEPARATOR)
    try:
        return float(timestamp), key
    except ValueError:
        raise BadUserInputError("not a cursor from this field", argument="after") from None


def _page(
    records: list[DepartmentRecord], first: int, cursor: str | None
) -> Connection[DepartmentRecord]:
    """Page ``first`` records after ``cursor`` (None: from the newest)."""
    after = _position(cursor) if cursor else None
    rest = [r for r in records if _order(r) < after] if after else records
    edges = [Edge(cursor=_cursor(r), node=r) for r in rest[:first]]
    total = len(records)

    async def count() -> int:
        return total

    return Connection.of(edges, len(rest) > first, cursor, count)
