"""``stats`` and ``workerPerformance`` over HTTP: figures, refusals, a grid worker's cut."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from hub.events import Disposition, Projection
from hub.stats import Statistics
from hub.stats.people import registry_worker_id
from hub.stats.periods import CST
from tests.conftest import GraphQLClient
from tests.schema.test_event_graph import REPORT as REPORT_EVENT
from tests.schema.test_event_graph import report_input
from tests.support.events import eventually
from tests.support.lifecycle import Story, hours
from tests.support.principals import GRID_A, GRID_B, bearer

T0 = datetime(2026, 11, 2, 1, tzinfo=UTC)
DISTRICT = GRID_A[:6]
STATS = """query($scope: String!, $period: StatsPeriod!, $from: Date!, $to: Date!,
                 $groupBy: StatsGroupBy!) {
  stats(scope: $scope, period: $period, from: $from, to: $to, groupBy: $groupBy) {
    scope p90RelativeError
    rows { start end group reported closed open onTimeRate meanHandlingHours
           p90HandlingHours inGridShare meanSatisfaction }
    totals { start reported closed open }
  }
}"""
WORKERS = """query($scope: String!) {
  workerPerformance(scope: $scope, from: "2026-11-01", to: "2026-11-30") {
    start worker reports validReports verifications verificationsInTime
  }
}"""


def story(grid: str, actor: str) -> Story:
    handled = Story(grid, "municipal.manhole_cover")
    handled.reported(T0, actor=actor)
    handled.routed(T0, "command", T0 + hours(8), Disposition.IN_GRID)
    handled.resolved(T0 + hours(2)).verified(T0 + hours(3), True, actor=actor)
    return handled.rated(T0 + hours(4), 4).closed(T0 + hours(4))


@pytest.fixture
async def fed(app: Starlette) -> Starlette:
    """Two closed events, one in each of two communities' grids."""
    events = [*story(GRID_A, "worker:a").events, *story(GRID_B, "worker:b").events]
    await Projection(app.state.services.database, statistics=Statistics()).apply(events)
    return app


async def client_of(app: Starlette, key: str) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", headers=bearer(key)
    ) as http:
        yield GraphQLClient(http)


@pytest.fixture
async def worker(fed: Starlette, keys: dict[str, str]) -> AsyncIterator[GraphQLClient]:
    async for client in client_of(fed, keys["grid_worker"]):
        yield client


@pytest.fixture
async def public(fed: Starlette, keys: dict[str, str]) -> AsyncIterator[GraphQLClient]:
    async for client in client_of(fed, keys["public"]):
        yield client


def month(scope: str, group_by: str = "GRID") -> dict[str, str]:
    return {
        "scope": scope,
        "period": "MONTH",
        "from": "2026-11-01",
        "to": "2026-11-30",
        "groupBy": group_by,
    }


async def test_the_command_centre_sees_every_grid(fed: Starlette, gql: GraphQLClient) -> None:
    body = await gql(STATS, **month(DISTRICT))
    stats = body["data"]["stats"]
    assert {r["group"] for r in stats["rows"]} == {GRID_A, GRID_B}
    row = stats["rows"][0]
    assert row["start"] == "2026-11-01"
    assert row["end"] == "2026-11-30"
    assert (row["reported"], row["closed"], row["open"]) == (1, 1, 0)
    assert (row["onTimeRate"], row["inGridShare"], row["meanSatisfaction"]) == (1.0, 1.0, 4.0)
    assert row["meanHandlingHours"] == 2.0
    assert abs(row["p90HandlingHours"] - 2.0) / 2.0 <= stats["p90RelativeError"]
    assert stats["totals"] == [{"start": "2026-11-01", "reported": 2, "closed": 2, "open": 0}]


async def test_a_grid_worker_sees_only_their_grid(worker: GraphQLClient) -> None:
    body = await worker(STATS, **month(DISTRICT, "CATEGORY"))
    stats = body["data"]["stats"]
    assert [r["group"] for r in stats["rows"]] == ["municipal.manhole_cover"]
    assert stats["totals"][0]["reported"] == 1  # grid B's event is not in the district's total
    other = await worker(STATS, **month(GRID_B[:12]))
    assert other["data"]["stats"]["rows"] == []
    assert other["data"]["stats"]["totals"][0]["reported"] == 0
    workers = await worker(WORKERS, scope=DISTRICT)
    assert [w["worker"] for w in workers["data"]["workerPerformance"]] == ["worker:a"]


async def test_worker_performance_for_the_command_centre(
    fed: Starlette, gql: GraphQLClient
) -> None:
    body = await gql(WORKERS, scope=DISTRICT)
    found = {w["worker"]: w for w in body["data"]["workerPerformance"]}
    assert found["worker:a"] == {
        "start": "2026-11-01",
        "worker": "worker:a",
        "reports": 1,
        "validReports": 1,
        "verifications": 1,
        "verificationsInTime": 1,
    }


async def test_the_public_view_has_stats_but_not_workers(public: GraphQLClient) -> None:
    body = await public(STATS, **month(DISTRICT))
    assert body["data"]["stats"]["totals"][0]["reported"] == 2
    refused = await public(WORKERS, scope=DISTRICT)
    assert "data" not in refused  # refused before anything ran
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_role_without_stats_read_is_refused(fed: Starlette, keys: dict[str, str]) -> None:
    async for monitoring in client_of(fed, keys["monitoring"]):
        body = await monitoring(STATS, **month(DISTRICT))
        assert "data" not in body  # refused before anything ran
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"scope": "33019"}, "scope"),
        ({"scope": f"{GRID_A}001"}, "scope"),
        ({"from": "2026-12-01"}, "to"),
        ({"period": "DAY", "from": "2020-01-01"}, "period"),
    ],
)
async def test_bad_arguments_are_typed_errors(
    fed: Starlette, gql: GraphQLClient, changes: dict[str, str], argument: str
) -> None:
    body = await gql(STATS, **{**month(DISTRICT), **changes})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument


async def test_a_patrol_report_counts_for_the_principal_who_made_it(gql: GraphQLClient) -> None:
    body = await gql(REPORT_EVENT, i=report_input(channel="PATROL"))
    assert "errors" not in body, body
    today = datetime.now(UTC).astimezone(CST).date().isoformat()
    query = """query($scope: String!, $from: Date!) {
      workerPerformance(scope: $scope, from: $from, to: $from, period: DAY) {
        worker keyName gridWorker { name } reports } }"""

    async def counted() -> bool:
        found = await gql(query, scope=DISTRICT, **{"from": today})
        return [w["reports"] for w in found["data"]["workerPerformance"]] == [1]

    await eventually(counted)
    found = await gql(query, scope=DISTRICT, **{"from": today})
    (worker,) = found["data"]["workerPerformance"]
    assert worker["worker"].startswith("key:")
    assert (worker["keyName"], worker["gridWorker"]) == ("command centre", None)


async def test_a_registry_workers_figures_carry_their_name(
    app: Starlette, gql: GraphQLClient
) -> None:
    services = app.state.services
    grid = GRID_A
    person = services.registry.snapshot.workers[grid][1]
    credited = registry_worker_id(grid, 1)
    first = story(grid, credited)
    again = Story(grid, "municipal.manhole_cover")  # the same cover, reported again
    again.reported(T0 + hours(1), actor=credited).merged(T0 + hours(1.5), into=first.event_id)
    events = [*first.events, *again.events]
    await Projection(services.database, statistics=Statistics()).apply(events)
    query = """query($scope: String!) {
      workerPerformance(scope: $scope, from: "2026-11-01", to: "2026-11-30") {
        worker keyName gridWorker { name gridCode } grids reports validReports
        duplicateReports invalidReports } }"""
    (found,) = (await gql(query, scope=DISTRICT))["data"]["workerPerformance"]
    assert found == {
        "worker": credited,
        "keyName": None,
        "gridWorker": {"name": str(person.name), "gridCode": grid},
        "grids": [grid],
        "reports": 2,
        "validReports": 1,
        "duplicateReports": 1,
        "invalidReports": 0,
    }
