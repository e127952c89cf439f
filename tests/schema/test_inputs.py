"""Input objects are built by the plans made with the schema, as strawberry builds them."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import strawberry
from strawberry.types.base import StrawberryObjectDefinition

from schema import build_schema
from schema.inputs import InputPlan, plan_inputs


@strawberry.enum
class Urgency(enum.Enum):
    ROUTINE = "routine"
    URGENT = "urgent"


@strawberry.input
class Point:
    lat: float
    lon: float


@strawberry.input
class Stop:
    point: Point
    note: str | None  # no default: None when not given


@strawberry.input
class Route:
    start_at: datetime
    stops: list[Stop]
    detour: Point | None = None
    urgency: list[Urgency] = strawberry.field(default_factory=lambda: [Urgency.ROUTINE])
    tags: list[str | None] | None = None
    passing: list[Point | None] | None = None


@strawberry.type
class RouteQuery:
    @strawberry.field
    def planned(self, route: Route) -> bool:
        GIVEN.append(route)
        return True


GIVEN: list[Route] = []
SCHEMA = strawberry.Schema(query=RouteQuery)
plan_inputs(SCHEMA)


def planned(arguments: str) -> Route:
    GIVEN.clear()
    result = SCHEMA.execute_sync(f"{{ planned(route: {arguments}) }}")
    assert result.errors is None, result.errors
    (route,) = GIVEN
    return route


def test_nested_inputs_lists_enums_and_scalars_are_built_from_the_coerced_value() -> None:
    route = planned(
        """{startAt: "2026-12-05T09:00:00+08:00", stops: [{point: {lat: 30.1, lon: 120.2},
        note: "东门"}, {point: {lat: 30.2, lon: 120.3}}], detour: {lat: 1, lon: 2},
        urgency: [URGENT, ROUTINE], tags: ["a", null], passing: [null, {lat: 3, lon: 4}]}"""
    )
    assert route == Route(
        start_at=datetime(2026, 12, 5, 1, tzinfo=UTC),
        stops=[
            Stop(point=Point(lat=30.1, lon=120.2), note="东门"),
            Stop(point=Point(lat=30.2, lon=120.3), note=None),
        ],
        detour=Point(lat=1.0, lon=2.0),
        urgency=[Urgency.URGENT, Urgency.ROUTINE],
        tags=["a", None],
        passing=[None, Point(lat=3.0, lon=4.0)],
    )
    assert isinstance(route.stops[1], Stop)
    assert all(isinstance(u, Urgency) for u in route.urgency)


def test_what_is_not_given_takes_its_default_and_explicit_nulls_stay_null() -> None:
    route = planned('{startAt: "2026-12-05T09:00:00Z", stops: [], detour: null}')
    assert route.detour is None
    assert route.urgency == [Urgency.ROUTINE]
    assert route.tags is None


def test_a_default_list_is_a_copy_each_time() -> None:
    assert SCHEMA_WITH_DEFAULT.execute_sync("{ tagged(where: {}) }").errors is None
    TAGS.pop().append("changed")
    assert SCHEMA_WITH_DEFAULT.execute_sync("{ tagged(where: {}) }").errors is None
    assert TAGS.pop() == ["a"]


TAGS: list[list[str]] = []


@strawberry.input
class Tagged:
    tags: list[str] = strawberry.field(default_factory=lambda: ["a"])


@strawberry.type
class TaggedQuery:
    @strawberry.field
    def tagged(self, where: Tagged) -> bool:
        TAGS.append(where.tags)
        return True


SCHEMA_WITH_DEFAULT = strawberry.Schema(query=TaggedQuery)
plan_inputs(SCHEMA_WITH_DEFAULT)


def test_every_input_type_of_the_hubs_schema_is_planned() -> None:
    schema = build_schema()
    inputs = [
        concrete.definition
        for concrete in schema.schema_converter.type_map.values()
        if isinstance(concrete.definition, StrawberryObjectDefinition)
        and concrete.definition.is_input
    ]
    assert {"ReportEventInput", "LocationInput", "RecordFilter"} <= {d.name for d in inputs}
    assert all(isinstance(d.from_input, InputPlan) for d in inputs)
