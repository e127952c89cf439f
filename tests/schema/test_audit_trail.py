"""What the graph writes to the audit trail, and who may read it back."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import strawberry
from starlette.applications import Starlette

from hub.app import create_app
from hub.config import Settings
from hub.core.errors import BadUserInputError
from hub.security.audit import read_anchor, verify
from schema import Info, build
from tests.conftest import GraphQLClient, running
from tests.schema.test_event_graph import report
from tests.support.principals import GRID_A, bearer

LOG = "{ auditLog(first: 100) { seq action principal operation field record client purpose } }"


async def entries(app: Starlette, keys: dict[str, str]) -> list[dict[str, object]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        response = await http.post("/graphql", json={"query": LOG}, headers=bearer(keys["auditor"]))
    found: list[dict[str, object]] = response.json()["data"]["auditLog"]
    return found


async def test_an_unmasked_read_is_audited_with_who_what_why(
    app: Starlette, gql: GraphQLClient, keys: dict[str, str]
) -> None:
    await gql(f'query Leaders {{ grid(code: "{GRID_A}") {{ leader {{ name phone }} }} }}')
    logged = [e for e in await entries(app, keys) if e["action"] == "pii.read"]
    key_id = (await app.state.services.security.authenticator.authenticate(keys["command"])).id
    assert logged == [
        {
            "seq": seq,
            "action": "pii.read",
            "principal": key_id,
            "operation": "Leaders",
            "field": field,
            "record": f"GridWorker@{GRID_A}",
            "client": "127.0.0.1",
            "purpose": "tests",
        }
        for seq, field in ((1, "GridWorker.name"), (2, "GridWorker.phone"))
    ]


async def test_a_reporters_contact_is_audited_under_the_event_it_was_read_from(
    app: Starlette, gql: GraphQLClient, keys: dict[str, str]
) -> None:
    reported = await report(gql)
    await gql("query Caller($id: ID!) { event(id: $id) { reporter { phone } } }", id=reported["id"])
    logged = [e for e in await entries(app, keys) if e["operation"] == "Caller"]
    assert [(e["field"], e["record"]) for e in logged] == [
        ("Reporter.phone", f"GridEvent:{reported['id']}")
    ]


async def test_a_masked_read_is_not_personal_data_and_not_audited(
    app: Starlette, keys: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        await http.post(
            "/graphql",
            json={"query": f'{{ grid(code: "{GRID_A}") {{ leader {{ name }} }} }}'},
            headers=bearer(keys["public"]),
        )
    assert [e for e in await entries(app, keys) if e["action"] == "pii.read"] == []


async def test_the_audit_log_is_for_auditors_only_and_reading_it_is_audited(
    app: Starlette, gql: GraphQLClient, keys: dict[str, str]
) -> None:
    refused = await gql(LOG)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await entries(app, keys)
    assert [e["action"] for e in await entries(app, keys)] == ["audit.read"]
    report = await verify(
        app.state.services.database, app.state.services.security.audit.signer.verifier
    )
    assert report.ok


@pytest.fixture
def mutations(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mutation for the test: the registry itself has none yet."""

    @strawberry.type
    class Renaming:
        @strawberry.federation.mutation(requires_scopes=[["grid:read"]])  # type: ignore[untyped-decorator]
        async def rename(self, info: Info, code: str, name: str) -> str:
            if not name:
                raise BadUserInputError("a name is needed", argument="name")
            return code

    monkeypatch.setattr(build, "MUTATION_PARTS", (*build.MUTATION_PARTS, Renaming))


async def test_every_mutation_is_audited_whether_it_succeeds_or_not(
    mutations: None, town_settings: Settings, keys: dict[str, str]
) -> None:
    app = create_app(town_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.test", headers=bearer(keys["public"])
        ) as http:
            for name in ("新名", ""):
                await http.post(
                    "/graphql",
                    json={
                        "query": f'mutation Rename {{ rename(code: "{GRID_A}", name: "{name}") }}'
                    },
                )
        logged = [(e["action"], e["field"], e["operation"]) for e in await entries(app, keys)]
    assert logged == [
        ("mutation", "Mutation.rename", "Rename"),
        ("mutation.refused", "Mutation.rename", "Rename"),
    ]


async def test_the_hub_signs_its_head_at_shutdown_into_the_anchor_file(
    town_settings: Settings, keys: dict[str, str], tmp_path: Path
) -> None:
    anchor = tmp_path / "audit" / "anchor.json"
    security = town_settings.security.model_copy(update={"audit_anchor": anchor})
    settings = town_settings.model_copy(update={"security": security})
    async with running(settings) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            await http.post(
                "/graphql",
                json={"query": f'{{ grid(code: "{GRID_A}") {{ leader {{ name phone }} }} }}'},
                headers=bearer(keys["command"], purpose="tests"),
            )
        audit = app.state.services.security.audit
        head = await audit.head()
        assert head[0] >= 2
        assert not anchor.exists()  # well before the timer (60 s) and the count (100)
    signed = read_anchor(anchor)
    assert (signed.seq, signed.hash) == head
    assert signed.valid(audit.signer.verifier)
