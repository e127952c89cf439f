"""viewer: who is asking, so a front end offers each user only their actions and places."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from tests.support.principals import GRID_A, bearer

VIEWER = "{ viewer { id name kind roles scopes department grids } }"


async def _viewer(app: Starlette, key: str | None) -> dict[str, object]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        headers = bearer(key) if key else {}
        response = await http.post("/graphql", json={"query": VIEWER}, headers=headers)
    body: dict[str, object] = response.json()
    return body


async def test_the_command_centre_sees_its_roles_scopes_and_the_whole_district(
    app: Starlette, keys: dict[str, str]
) -> None:
    viewer = (await _viewer(app, keys["command"]))["data"]["viewer"]  # type: ignore[index]
    assert viewer["name"] == "command centre"
    assert viewer["id"].startswith("key:")
    assert viewer["roles"] == ["command"]
    assert viewer["scopes"] == sorted(viewer["scopes"])
    assert {"events:supervise", "connectors:read"} <= set(viewer["scopes"])
    assert viewer["grids"] is None
    assert viewer["department"] is None


async def test_a_grid_worker_learns_its_grids_and_a_handler_its_department(
    app: Starlette, keys: dict[str, str]
) -> None:
    worker = (await _viewer(app, keys["grid_worker"]))["data"]["viewer"]  # type: ignore[index]
    assert worker["grids"] == [GRID_A]
    assert "events:supervise" not in worker["scopes"]
    handler = (await _viewer(app, keys["handler"]))["data"]["viewer"]  # type: ignore[index]
    assert handler["department"] == "police"
    assert "events:handle:police" in handler["scopes"]


async def test_nobody_anonymous_is_a_viewer(app: Starlette) -> None:
    body = await _viewer(app, None)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
