"""The unified graph over the department simulators, over real HTTP: the built-in four
and any other connector installed with a simulator.

One query asks for a community's grids with each department's records: it is answered
with one upstream request per served system, degrades to the others when one system
fails, and recovers when the system does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from connectors.police import simulator as police
from hub.cli import app
from hub.config import Settings
from hub.demo.departments import pointed_at
from hub.demo.simulators import demo_systems
from tests.conftest import GraphQLClient
from tests.support.departments import Departments, wired_app
from tests.support.principals import bearer
from tests.support.simulators import HISTORY_END

pytestmark = pytest.mark.integration

COMMUNITY = "330199001001"
FIELDS = ("incidents", "cityCases", "petitions", "healthFollowUps")
DEPARTMENT_OF = dict(zip(FIELDS, ("police", "citymgmt", "petition", "health"), strict=True))
BUILT_IN = """
    incidents(where: {since: $since}, first: 5) {
      totalCount edges { node { id gridCode approximate status lifecycleStatus } } }
    cityCases(where: {since: $since}, first: 5) {
      totalCount edges { node { id gridCode approximate status } } }
    petitions(where: {since: $since}, first: 5) {
      totalCount edges { node { id gridCode approximate status } } }
    healthFollowUps(where: {since: $since}, first: 5) {
      totalCount edges { node { id gridCode approximate status } } }"""


@cache
def community_query() -> str:
    """A community's grids with the records of every served system: the built-in four's
    fields, and the first ``Grid`` field of each other connector installed with a
    simulator (one field each, so each system is asked once)."""
    others = [
        _camel(system.grid_fields[0])
        for name, system in demo_systems().items()
        if name not in DEPARTMENT_OF.values() and system.grid_fields
    ]
    fields = "".join(
        f"\n    {name}(where: {{since: $since}}, first: 5) {{"
        " totalCount edges { node { id gridCode approximate status } } }"
        for name in others
    )
    return (
        "query Community($code: String!, $since: DateTime!) {\n"
        "  region(code: $code) { ... on Community { grids { code"
        f"{BUILT_IN}{fields}\n  }} }} }} }}"
    )


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


@asynccontextmanager
async def serving(
    settings: Settings, town: dict[str, Any], key: str
) -> AsyncIterator[GraphQLClient]:
    """The hub on ``settings``, its crosswalk laid from the simulators' schemes, asked by
    the holder of ``key`` (with a purpose, since the answers hold personal data)."""
    async with wired_app(settings, town) as app:
        transport = httpx.ASGITransport(app=app)
        headers = bearer(key, purpose="tests")
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.test", headers=headers
        ) as http:
            yield GraphQLClient(http)


@pytest.fixture
async def hub(
    town_settings: Settings,
    systems: Departments,
    town_document: dict[str, Any],
    keys: dict[str, str],
) -> AsyncIterator[GraphQLClient]:
    settings = pointed_at(town_settings, systems.urls)
    settings.connectors.query_budget_seconds = 2.0
    for name in systems.urls:
        settings.connectors.of(name).breaker_reset_seconds = 0.5
        settings.connectors.of(name).breaker_failures = 2
    async with serving(settings, town_document, keys["command"]) as client:
        yield client


def since(days: int = 3) -> str:
    """``days`` before the end of the simulators' seeded history (pinned: the same records
    on any day the tests run)."""
    return (HISTORY_END - timedelta(days=days)).isoformat()


def grids_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    grids: list[dict[str, Any]] = body["data"]["region"]["grids"]
    return grids


async def test_one_query_costs_one_request_per_connector(
    hub: GraphQLClient, systems: Departments
) -> None:
    await systems.reset()
    body = await hub(community_query(), code=COMMUNITY, since=since())
    assert "errors" not in body, body["errors"]
    grids = grids_of(body)
    assert len(grids) >= 5
    for field in FIELDS:  # the built-in systems' seeded records are known to lie there
        total = sum(grid[field]["totalCount"] for grid in grids)
        assert total > 0, f"no {field} in the community: the test would prove nothing"
    for field in (name for name in grids[0] if name != "code"):
        for grid in grids:
            assert all(e["node"]["gridCode"] == grid["code"] for e in grid[field]["edges"])
    assert await systems.data_requests() == dict.fromkeys(systems.urls, 1)


async def test_a_failed_department_leaves_the_others_within_the_budget(
    hub: GraphQLClient, systems: Departments
) -> None:
    await systems.fail("citymgmt")
    started = time.perf_counter()
    body = await hub(community_query(), code=COMMUNITY, since=since())
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    grids = grids_of(body)
    assert all(grid["cityCases"] is None for grid in grids)
    for field in ("incidents", "petitions", "healthFollowUps"):
        assert all(grid[field] is not None for grid in grids)
    errors = body["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"UPSTREAM_UNAVAILABLE"}
    assert {e["extensions"]["connector"] for e in errors} == {"citymgmt"}
    assert {e["path"][-1] for e in errors} == {"cityCases"}
    assert "secret" not in str(errors)


async def test_the_breaker_opens_then_recovers_when_the_system_does(
    hub: GraphQLClient, systems: Departments
) -> None:
    await systems.fail("police")
    for _ in range(2):
        await hub(community_query(), code=COMMUNITY, since=since())
    status = await hub("{ connectors { name breaker health } }")
    police = next(c for c in status["data"]["connectors"] if c["name"] == "police")
    assert (police["breaker"], police["health"]) == ("OPEN", "DOWN")
    ready = await hub.http.get("/readyz")
    assert ready.status_code == 200  # the other departments, and reporting, still work
    assert ready.json()["departments"]["police"] == "DOWN"
    assert ready.json()["departments"]["citymgmt"] == "UP"
    await systems.reset()
    body = await hub(community_query(), code=COMMUNITY, since=since())
    assert (await systems.data_requests())["police"] == 0  # refused at home
    assert {e["extensions"]["breaker"] for e in body["errors"]} == {"OPEN"}
    await systems.heal("police")
    await asyncio.sleep(0.5)  # the breaker's reset time, on the real clock
    body = await hub(community_query(), code=COMMUNITY, since=since())
    assert "errors" not in body
    status = await hub("{ connectors { name breaker health } }")
    police = next(c for c in status["data"]["connectors"] if c["name"] == "police")
    assert police["breaker"] == "CLOSED"
    assert (await hub.http.get("/readyz")).json()["departments"]["police"] != "DOWN"


async def test_a_record_is_found_by_its_id_in_its_grid(hub: GraphQLClient) -> None:
    body = await hub(community_query(), code=COMMUNITY, since=since())
    grid = next(g for g in grids_of(body) if g["incidents"]["edges"])
    incident = grid["incidents"]["edges"][0]["node"]
    found = await hub(
        "query($id: ID!) { incident(id: $id) { id gridCode caller: callerName } }",
        id=incident["id"],
    )
    assert found["data"]["incident"]["id"] == incident["id"]
    assert found["data"]["incident"]["gridCode"] == incident["gridCode"]
    missing = await hub('{ incident(id: "JQ99999999999999") { id } }')
    assert missing["data"]["incident"] is None
    bad = await hub('{ incident(id: "nope") { id } }')
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


GRID = "330199001001001"
ONE_GRID = """query($since: DateTime!, $after: String, $where: RecordFilter, $grid: String!) {
  grid(code: $grid) { incidents(where: $where, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id occurredAt status lifecycleStatus category } } }
  cityCases(where: {since: $since}) { totalCount } } }"""


async def test_a_hanging_system_costs_the_budget_and_no_more(
    hub: GraphQLClient, systems: Departments
) -> None:
    await systems.admin["police"].post("/_admin/faults", json={"hang": True})
    started = time.perf_counter()
    body = await hub(ONE_GRID, grid=GRID, since=since(), where={"since": since()})
    # The budget is 2 s; without it the attempts alone would take 2 s each, then retries.
    # The slack is for a loaded machine, not for another attempt.
    assert time.perf_counter() - started < 2.0 + 1.5
    assert body["data"]["grid"]["incidents"] is None
    assert body["data"]["grid"]["cityCases"] is not None
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_TIMEOUT"
    await systems.heal("police")


async def test_an_answer_breaking_the_contract_is_a_typed_error(
    hub: GraphQLClient, systems: Departments
) -> None:
    for fault in ({"contract_break": True}, {"malformed": True}):
        await systems.admin["police"].post("/_admin/faults", json=fault)
        body = await hub(ONE_GRID, grid=GRID, since=since(), where={"since": since()})
        assert body["data"]["grid"]["incidents"] is None
        assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_CONTRACT_VIOLATION"
        assert body["errors"][0]["extensions"]["connector"] == "police"
    await systems.heal("police")


async def test_pages_of_a_grid_follow_their_cursors(hub: GraphQLClient) -> None:
    where = {"since": since(30)}
    first = await hub(ONE_GRID, grid=GRID, since=since(), where=where)
    incidents = first["data"]["grid"]["incidents"]
    assert incidents["totalCount"] > 2
    assert incidents["pageInfo"]["hasNextPage"]
    after = incidents["pageInfo"]["endCursor"]
    second = await hub(ONE_GRID, grid=GRID, since=since(), where=where, after=after)
    ids = [e["node"]["id"] for e in incidents["edges"]]
    more = [e["node"]["id"] for e in second["data"]["grid"]["incidents"]["edges"]]
    assert not set(ids) & set(more)
    times = [e["node"]["occurredAt"] for e in incidents["edges"]]
    assert times == sorted(times, reverse=True)


async def test_filters_narrow_by_status_category_and_lifecycle(hub: GraphQLClient) -> None:
    where: dict[str, Any] = {"since": since(30)}
    body = await hub(ONE_GRID, grid=GRID, since=since(), where={**where, "status": ["CLOSED"]})
    nodes = [e["node"] for e in body["data"]["grid"]["incidents"]["edges"]]
    assert nodes
    assert {n["status"] for n in nodes} == {"CLOSED"}
    assert {n["lifecycleStatus"] for n in nodes} == {"CLOSED"}
    body = await hub(ONE_GRID, grid=GRID, since=since(), where={**where, "lifecycle": ["RESOLVED"]})
    nodes = [e["node"] for e in body["data"]["grid"]["incidents"]["edges"]]
    assert {n["status"] for n in nodes} <= {"HANDLED"}
    body = await hub(ONE_GRID, grid=GRID, since=since(), where={**where, "category": ["NO_SUCH"]})
    assert body["data"]["grid"]["incidents"]["totalCount"] == 0


async def test_bad_arguments_are_typed_errors(hub: GraphQLClient) -> None:
    naive = await hub(ONE_GRID, grid=GRID, since=since(), where={"since": "2026-09-01T00:00:00"})
    assert naive["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    cursor = await hub(ONE_GRID, grid=GRID, since=since(), where={}, after="not-a-cursor")
    assert cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_disabled_connector_keeps_its_fields_and_says_so(
    town_settings: Settings,
    systems: Departments,
    town_document: dict[str, Any],
    keys: dict[str, str],
) -> None:
    settings = pointed_at(town_settings, systems.urls)
    settings.connectors.of("health").enabled = False
    async with serving(settings, town_document, keys["command"]) as client:
        body = await client(community_query(), code=COMMUNITY, since=since())
    grids = grids_of(body)
    assert all(grid["healthFollowUps"] is None for grid in grids)
    assert all(grid["incidents"] is not None for grid in grids)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"CONNECTOR_DISABLED"}


async def test_metrics_count_calls_and_show_breakers(
    hub: GraphQLClient, keys: dict[str, str]
) -> None:
    await hub(community_query(), code=COMMUNITY, since=since())
    text = (await hub.http.get("/metrics", headers=bearer(keys["monitoring"]))).text
    assert 'hub_upstream_breaker_state{connector="police"} 0.0' in text
    assert 'hub_upstream_calls_total{connector="health",outcome="ok"}' in text


async def test_hub_connectors_list_probes_each_system(
    systems: Departments, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HUB_CONNECTORS__POLICE__BASE_URL", systems.urls["police"])
    monkeypatch.setenv("HUB_CONNECTORS__POLICE__CREDENTIALS__API_KEY", police.DEMO_API_KEY)
    monkeypatch.setenv("HUB_CONNECTORS__HEALTH__ENABLED", "false")
    monkeypatch.setenv("HUB_CONNECTORS__PETITION__BASE_URL", systems.urls["petition"])
    monkeypatch.setenv("HUB_CONNECTORS__PETITION__CREDENTIALS__USERNAME", "nobody")
    monkeypatch.setenv("HUB_CONNECTORS__PETITION__CREDENTIALS__PASSWORD", "wrong")
    result = await asyncio.to_thread(CliRunner().invoke, app, ["connectors", "list"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert "ENABLED" in rows["police"]
    assert " UP " in rows["police"]
    assert systems.urls["police"] in rows["police"]
    assert "DOWN UPSTREAM_UNAVAILABLE" in rows["petition"]
    assert "DISABLED" in rows["health"]
    assert "no base URL is set" in rows["citymgmt"]
    assert "wrong" not in result.output
