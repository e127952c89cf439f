"""Every default role × every field carrying personal data × every path and transport.

The matrix is built from the schema (tests/support/matrix.py): a field declared
``@personal`` after this was written is in it without editing anything here. Each
case asserts exactly one outcome: visible as stored, masked by its kind's rule,
refused with FORBIDDEN, or hidden (null) outside a grid worker's grids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from connectors.sdk import ConnectorsSettings, discover
from connectors.testing import composed_sdl
from hub.bus import Role
from hub.config import Settings
from hub.demo.departments import pointed_at
from hub.events import Channel, Report
from hub.registry import store
from hub.security.principal import Principal, PrincipalKind
from hub.security.settings import RateLimit
from hub.services import Services
from schema import HubContext
from schema.security import SecurityPlan
from tests.hub.http.test_transports import parse_events, ws_call, ws_receive
from tests.support.departments import Departments, wired_app
from tests.support.live import graphql_ws, live_server
from tests.support.matrix import Outcome, PersonalPath, expected, masked, personal_paths
from tests.support.principals import DEFAULT_ROLES, GRID_A, GRID_B, bearer

UNLIMITED = RateLimit(per_second=1000.0, burst=100_000)
Ask = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]
ENTRIES = {
    "query": "query($code: String!) {{ region(code: $code) {{ ... on Grid {{ {0} }} }} }}",
    "entities": "query($r: [_Any!]!) "
    "{{ _entities(representations: $r) {{ ... on Grid {{ {0} }} }} }}",
}


def variables(entry: str, code: str) -> dict[str, Any]:
    if entry == "query":
        return {"code": code}
    return {"r": [{"__typename": "Grid", "code": code}]}


def entry_data(entry: str, body: dict[str, Any]) -> Any:
    data = body.get("data") or {}
    return data.get("region") if entry == "query" else (data.get("_entities") or [None])[0]


@dataclass
class Case:
    role: str
    path: PersonalPath
    entry: str
    code: str


STILL_BUS = {Role.RELAY, Role.ROUTER, Role.LEDGER, Role.LIVE}


@pytest.fixture
async def app(
    town_settings: Settings, systems: Departments, town_document: dict[str, Any]
) -> AsyncIterator[Starlette]:
    """The hub wired to the department simulators, with a record carrying personal data
    in each system and a reported grid event (its reporter's) in each of the two grids.

    The matrix judges who sees what, not how fast: a few hundred requests to simulators
    sharing the test's event loop, on a loaded machine, get time budgets made for that,
    and each role's requests (one per case, more with every connector installed) a rate
    limit they cannot reach.

    The records hold still while the matrix runs: the bus takes reports but neither polls
    the departments' feeds nor hands work orders over (either adds a newer record than
    the one the oracle read, and a newest-first list would show that one instead)."""
    settings = generous_budgets(pointed_at(town_settings, systems.urls))
    still = settings.bus.model_copy(update={"roles": STILL_BUS})
    settings = settings.model_copy(
        update={
            "security": settings.security.model_copy(update={"rate_limit": UNLIMITED}),
            "bus": still,
        }
    )
    async with wired_app(settings, town_document) as application:
        await report_in(application.state.services, systems, (GRID_A, GRID_B))
        yield application


def generous_budgets(settings: Settings) -> Settings:
    budgets = {"timeout_seconds": 20.0, "budget_seconds": 30.0}
    current = settings.connectors.model_dump()
    for name, connector in settings.connectors.named.items():
        current[name] = {**connector.model_dump(), **budgets}
    current["query_budget_seconds"] = 30.0
    return settings.model_copy(update={"connectors": ConnectorsSettings.model_validate(current)})


async def report_in(services: Services, systems: Departments, grids: tuple[str, ...]) -> None:
    async with services.database.session() as session:
        found = await store.regions(session, grids)
    for grid in grids:
        systems.seed_personal_records(grid, found[grid].centroid_lat, found[grid].centroid_lon)
        await services.bus.intake.report(
            Report(
                category="city.litter",
                description="楼道口堆放生活垃圾",
                lat=found[grid].centroid_lat,
                lon=found[grid].centroid_lon,
                channel=Channel.HOTLINE,
                address="云溪街道文一路88号3幢2单元101室",
                reporter_name="王秀英",
                reporter_phone="13812345678",
            )
        )


@pytest.fixture
def plan(app: Starlette) -> SecurityPlan:
    return SecurityPlan.of(app.state.schema._schema)


@pytest.fixture
async def raw(app: Starlette, plan: SecurityPlan) -> dict[tuple[str, str], Any]:
    """What is stored, read in-process by a principal holding every scope."""
    services = app.state.services
    oracle = Principal(
        id="test:oracle",
        kind=PrincipalKind.SERVICE,
        name="oracle",
        roles=(),
        scopes=services.security.roles.vocabulary.scopes,
    )
    values = {}
    for path in personal_paths(plan):
        for code in (GRID_A, GRID_B):
            context = HubContext(services, principal=oracle, purpose="test oracle")
            query = ENTRIES["query"].format(path.selection())
            result = await app.state.schema.execute(
                query, variable_values={"code": code}, context_value=context
            )
            assert not result.errors, result.errors
            value = path.value((result.data or {}).get("region"))
            assert value is not None, f"no {path.label} stored under {code}: seed some"
            values[(path.label, code)] = value
    return values


# The default roles, and one without grid:read so that refusal is in the matrix too.
ROLES = (*DEFAULT_ROLES, "monitoring")


def cases(plan: SecurityPlan) -> list[Case]:
    return [
        Case(role, path, entry, code)
        for role in ROLES
        for path in personal_paths(plan)
        for entry in ENTRIES
        for code in (GRID_A, GRID_B)
    ]


async def principal_of(app: Starlette, key: str) -> Principal:
    principal: Principal = await app.state.services.security.authenticator.authenticate(key)
    return principal


def judge(case: Case, body: dict[str, Any], want: str, stored: Any) -> str | None:
    """None when the answer is what ``want`` says it must be; else what went wrong."""
    errors = body.get("errors") or []
    if want == Outcome.REFUSED:
        codes = {e.get("extensions", {}).get("code") for e in errors}
        return None if codes == {"FORBIDDEN"} and not body.get("data") else f"not refused: {body}"
    if errors:
        return f"errors: {errors}"
    found = entry_data(case.entry, body)
    if want == Outcome.HIDDEN:
        return None if found is None else f"leaked: {found}"
    value = case.path.value(found)
    must = stored if want == Outcome.VISIBLE else masked(case.path, stored)
    if value != must or (want == Outcome.MASKED and value == stored):
        return f"got {value!r}, wanted {must!r} ({want})"
    return None


async def run_matrix(
    app: Starlette, plan: SecurityPlan, keys: dict[str, str], raw: dict[Any, Any], ask: Ask
) -> list[str]:
    failures, outcomes = [], set()
    for case in cases(plan):
        principal = await principal_of(app, keys[case.role])
        want = expected(plan, case.path, principal, case.code)
        query = ENTRIES[case.entry].format(case.path.selection())
        body = await ask(case.role, query, variables(case.entry, case.code))
        problem = judge(case, body, want, raw[(case.path.label, case.code)])
        if problem:
            failures.append(
                f"{case.role} {case.path.label} via {case.entry} {case.code}: {problem}"
            )
        outcomes.add(want)
    assert outcomes == {Outcome.VISIBLE, Outcome.MASKED, Outcome.REFUSED, Outcome.HIDDEN}
    return failures


def test_the_matrix_covers_every_personal_field(plan: SecurityPlan) -> None:
    paths = personal_paths(plan)
    assert {p.label for p in paths} >= {
        "Contact.name",
        "Contact.phone",
        "GridWorker.name",
        "GridWorker.phone",
    }
    assert len(cases(plan)) == len(ROLES) * len(paths) * len(ENTRIES) * 2


def test_the_matrix_covers_every_installed_connectors_personal_fields(plan: SecurityPlan) -> None:
    """A connector installed beside the hub (the sixth, say) is in the matrix with the
    built-ins: its personal fields are reached, and the ``raw`` fixture finds each stored,
    seeded by its simulator's ``seed_personal``."""
    holding = {c.department for c in discover() if "@personal(" in composed_sdl(c)}
    assert {"police", "citymgmt", "petition", "health"} <= holding
    assert {path.rule.department for path in personal_paths(plan)} >= holding


@pytest.mark.parametrize("stream", [False, True], ids=["post", "server-sent-events"])
async def test_over_http(
    app: Starlette, plan: SecurityPlan, keys: dict[str, str], raw: dict[Any, Any], stream: bool
) -> None:
    transport = httpx.ASGITransport(app=app)
    accept = {"accept": "text/event-stream"} if stream else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:

        async def ask(role: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={**bearer(keys[role], purpose="matrix"), **accept},
            )
            if not stream:
                return dict(response.json())
            (kind, payload), complete = parse_events(response.text)
            assert (kind, complete) == ("next", ("complete", None))
            return dict(payload)

        assert await run_matrix(app, plan, keys, raw, ask) == []


async def test_over_websocket(
    app: Starlette, plan: SecurityPlan, keys: dict[str, str], raw: dict[Any, Any]
) -> None:
    async with live_server(app) as address:
        sockets = {}
        for role in ROLES:
            ws = await graphql_ws(address).__aenter__()
            await ws_call(
                ws, {"type": "connection_init", "payload": bearer(keys[role], purpose="matrix")}
            )
            assert await ws_receive(ws) == {"type": "connection_ack"}
            sockets[role] = ws
        counter = iter(range(1_000_000))

        async def ask(role: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
            ws, op = sockets[role], str(next(counter))
            payload = {"query": query, "variables": variables}
            await ws_call(ws, {"id": op, "type": "subscribe", "payload": payload})
            message = await ws_receive(ws)
            if message["type"] == "error":  # refused before execution: no complete follows
                return {"data": None, "errors": message["payload"]}
            assert message["type"] == "next", message
            assert await ws_receive(ws) == {"id": op, "type": "complete"}
            body: dict[str, Any] = message["payload"]
            return body

        try:
            assert await run_matrix(app, plan, keys, raw, ask) == []
        finally:
            for ws in sockets.values():
                await ws.close()
