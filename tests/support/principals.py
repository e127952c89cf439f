"""One API key per default role, made in the test town's database."""

from __future__ import annotations

from dataclasses import dataclass

from hub.core.departments import load_departments
from hub.db.engine import Database
from hub.security.keys import ApiKeyStore, KeyRequest
from hub.security.roles import load_roles
from hub.services import Services
from schema import HubContext

GRID_A = "330199001001001"  # a grid worker's own grid
GRID_B = "330199001002001"  # another community's grid: never theirs


@dataclass(frozen=True, slots=True)
class TestPrincipal:
    name: str
    request: KeyRequest


PRINCIPALS = (
    TestPrincipal("command", KeyRequest("command centre", ("command",))),
    TestPrincipal("handler", KeyRequest("police handler", ("handler",), department="police")),
    TestPrincipal("grid_worker", KeyRequest("worker of A", ("grid_worker",), grids=(GRID_A,))),
    TestPrincipal(
        "environment", KeyRequest("生态环境 办理人", ("handler",), department="environment")
    ),
    TestPrincipal("public", KeyRequest("public view", ("public",))),
    TestPrincipal("hotline", KeyRequest("12345 follow-up", ("hotline",))),
    TestPrincipal("dashboard", KeyRequest("wall display", ("dashboard",))),
    TestPrincipal("auditor", KeyRequest("auditor", ("auditor",))),
    TestPrincipal("monitoring", KeyRequest("prometheus", ("monitoring",))),
    TestPrincipal("admin", KeyRequest("administrator", ("admin",))),
    TestPrincipal("gateway", KeyRequest("supergraph gateway", ("gateway",))),
)
DEFAULT_ROLES = ("command", "handler", "grid_worker", "hotline", "public", "dashboard", "auditor")


async def make_keys(database: Database) -> dict[str, str]:
    """The key of each test principal, by name."""
    store = ApiKeyStore(database, load_roles([d.code for d in load_departments()]))
    return {p.name: (await store.create(p.request))[1] for p in PRINCIPALS}


async def context_for(services: Services, key: str, purpose: str | None = None) -> HubContext:
    """A request context for in-process execution, as the holder of ``key``."""
    principal = await services.security.authenticator.authenticate(key)
    return HubContext(services, principal=principal, credential=key, purpose=purpose)


def bearer(key: str, purpose: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return headers
