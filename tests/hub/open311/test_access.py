"""Who may do what at ``/open311/v2/``: keys and scopes, grids, masking, the audit
trail, the rate limit and the body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from hub.config import Settings
from hub.db.security_models import AuditEntryRow
from hub.security.settings import RateLimit, SecuritySettings
from hub.services import Services
from tests.conftest import running
from tests.hub.open311.conftest import V2, centroid, file, fits, form, refusal
from tests.support.principals import GRID_A, GRID_B

ADDRESS = "云溪街道文一路88号3幢2单元101室"


async def audit_trail(app: Starlette) -> list[AuditEntryRow]:
    services: Services = app.state.services
    async with services.database.session() as session:
        return list(await session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq)))


# -- keys and scopes --------------------------------------------------------------------


async def test_the_service_list_needs_no_key_but_a_bad_one_is_refused(
    open311: httpx.AsyncClient,
) -> None:
    assert (await open311.get("/services.json")).status_code == 200
    response = await open311.get("/services.json", params={"api_key": "ghk_not-a-real-key"})
    assert "api_key refused" in refusal(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", ["/requests.json", "/requests/01ANY.json", "/tokens/01ANY.json"])
async def test_requests_need_a_key(open311: httpx.AsyncClient, path: str) -> None:
    assert "api_key required" in refusal(await open311.get(path), 401)


async def test_filing_needs_a_key_with_events_report(
    open311: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    assert "api_key required" in refusal(await open311.post("/requests.json", data=form(None)), 401)
    for holder in ("public", "dashboard", "auditor"):
        response = await open311.post("/requests.json", data=form(keys[holder]))
        assert "events:report" in refusal(response, 403)


async def test_reading_requests_needs_events_read(
    open311: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    response = await open311.get("/requests.json", params={"api_key": keys["public"]})
    assert "events:read" in refusal(response, 403)


# -- grids ------------------------------------------------------------------------------


async def test_a_grid_worker_files_and_sees_only_within_its_grids(
    open311: httpx.AsyncClient, app: Starlette, keys: dict[str, str]
) -> None:
    services: Services = app.state.services
    own = await file(open311, keys["command"], at=await centroid(services, GRID_A))
    other = await file(open311, keys["command"], at=await centroid(services, GRID_B))
    worker = {"api_key": keys["grid_worker"]}

    listed = fits("service-requests", (await open311.get("/requests.json", params=worker)).json())
    assert [r["service_request_id"] for r in listed] == [own]
    by_id = await open311.get(
        "/requests.json", params={**worker, "service_request_id": f"{own},{other}"}
    )
    assert [r["service_request_id"] for r in by_id.json()] == [own]
    refusal(await open311.get(f"/requests/{other}.json", params=worker), 404)
    refusal(await open311.get(f"/tokens/{other}.json", params=worker), 404)
    assert (await open311.get(f"/tokens/{own}.json", params=worker)).status_code == 200

    elsewhere = form(keys["grid_worker"], at=await centroid(services, GRID_B))
    assert "outside the grids" in refusal(await open311.post("/requests.json", data=elsewhere), 403)
    assert await file(open311, keys["grid_worker"], at=await centroid(services, GRID_A))


# -- personal data and the audit trail --------------------------------------------------


async def test_addresses_are_masked_unless_readable_with_a_purpose(
    open311: httpx.AsyncClient, app: Starlette, keys: dict[str, str]
) -> None:
    event_id = await file(open311, keys["command"])

    async def address(key: str, purpose: str | None = None) -> str:
        headers = {"X-Purpose": quote(purpose)} if purpose else {}  # percent-encoded UTF-8
        response = await open311.get(
            f"/requests/{event_id}.json", params={"api_key": key}, headers=headers
        )
        (found,) = fits("service-requests", response.json())
        assert not {"first_name", "last_name", "phone", "email"} & set(found)  # never shown
        return str(found["address"])

    assert await address(keys["dashboard"], "巡查") == "云溪街道文一路88号3幢***"
    assert await address(keys["command"]) == "云溪街道文一路88号3幢***"
    reads_before = [e for e in await audit_trail(app) if e.action == "pii.read"]
    assert reads_before == []  # a masked read is not a read of personal data

    assert await address(keys["command"], "回访") == ADDRESS
    (read,) = [e for e in await audit_trail(app) if e.action == "pii.read"]
    assert (read.field, read.record, read.purpose) == (
        "Open311.ServiceRequest.address",
        f"GridEvent:{event_id}",
        "回访",
    )
    assert read.principal.startswith("key:")


async def test_submissions_accepted_or_refused_are_audited(
    open311: httpx.AsyncClient, app: Starlette, keys: dict[str, str]
) -> None:
    event_id = await file(open311, keys["command"])
    await open311.post("/requests.json", data=form(keys["command"], service_code="city"))
    await open311.post("/requests.json", data=form(keys["public"]))  # refused before: no entry
    changes = [
        (e.action, e.field, e.record, e.operation)
        for e in await audit_trail(app)
        if e.action.startswith("mutation")
    ]
    assert changes == [
        ("mutation", "Open311.POST requests", f"GridEvent:{event_id}", "open311 POST requests"),
        ("mutation.refused", "Open311.POST requests", "", "open311 POST requests"),
    ]


# -- limits -----------------------------------------------------------------------------


@pytest.fixture
async def limited(town_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    security = SecuritySettings(rate_limit=RateLimit(per_second=0.5, burst=2), max_body_bytes=4096)
    async with running(town_settings.model_copy(update={"security": security})) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test" + V2) as http:
            yield http


async def test_the_rate_limit_is_429_per_principal(
    limited: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    read = {"api_key": keys["command"]}
    for _ in range(2):
        assert (await limited.get("/requests.json", params=read)).status_code == 200
    response = await limited.get("/requests.json", params=read)
    assert "rate limited" in refusal(response, 429)
    assert int(response.headers["retry-after"]) >= 1
    other = await limited.get("/requests.json", params={"api_key": keys["handler"]})
    assert other.status_code == 200


async def test_a_large_body_is_413_declared_or_chunked(
    limited: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    big = form(keys["command"], description="x" * 5000)
    assert "larger than 4096" in refusal(await limited.post("/requests.json", data=big), 413)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"description=" + b"x" * 1000 + b"&"

    response = await limited.post(
        "/requests.json",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    refusal(response, 413)
