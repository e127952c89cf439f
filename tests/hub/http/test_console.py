"""The console's page and files, all from the hub: nothing for a browser to fetch elsewhere,
and no data without the user's own key (the page holds none)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from graphql import parse, validate
from starlette.applications import Starlette
from starlette.routing import Router

from hub.config import Settings
from hub.http.console import FOLDER, Console
from schema import build_schema
from tests.conftest import in_production, running
from tests.support.components import unavailable
from tests.support.principals import bearer

YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def installed() -> Console:
    console = Console()
    if not console.installed:
        unavailable("ECharts", "its file is not fetched; run scripts/echarts")
    return console


async def test_the_page_needs_no_key_and_refers_only_to_the_hubs_own_files(
    anonymous: httpx.AsyncClient, installed: Console
) -> None:
    page = await anonymous.get("/console")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-cache"
    addresses = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert addresses == [
        f"/console/assets/{installed.assets.build}/{name}"
        for name in ("console.css", "echarts.min.js", "console.js")
    ]
    assert "://" not in page.text
    assert not re.search(r"ghk_\w", page.text)  # no key in it, only the placeholder


async def test_the_browser_may_reach_the_hub_only(
    anonymous: httpx.AsyncClient, installed: Console
) -> None:
    policy = (await anonymous.get("/console")).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


async def test_its_files_are_served_for_a_year_at_their_digest_and_nowhere_else(
    anonymous: httpx.AsyncClient, installed: Console
) -> None:
    build = installed.assets.build
    for name in ("console.js", "console.css", "echarts.min.js"):
        response = await anonymous.get(f"/console/assets/{build}/{name}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == YEAR
        assert response.content == installed.assets.files[name].read_bytes()
    stale = await anonymous.get("/console/assets/0000000000000000/console.js")
    assert stale.status_code == 404
    unknown = await anonymous.get(f"/console/assets/{build}/index.html")
    assert unknown.status_code == 404


async def test_the_root_sends_a_person_to_the_console(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/console"


async def test_without_echarts_the_page_says_how_to_fetch_it(tmp_path: Path) -> None:
    console = Console(charts=tmp_path / "echarts.min.js")  # not there
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Starlette(routes=Router(console.routes()).routes)),
        base_url="http://hub.test",
    ) as http:
        page = await http.get("/console")
    assert page.status_code == 503
    assert "scripts/echarts" in page.text


def test_user_text_never_goes_in_as_html() -> None:
    """Titles and descriptions come from citizens: the script sets them as text."""
    script = (FOLDER / "console.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script
    assert "insertAdjacentHTML" not in script
    assert "document.write" not in script


def test_every_operation_it_sends_is_valid_against_the_graph() -> None:
    schema = build_schema()._schema
    sent = Console().operations
    assert {"Viewer", "Regions", "OpenEvents", "Live", "Drawer", "Verify", "Merge"} <= set(sent)
    for name, text in sent.items():
        assert validate(schema, parse(text)) == [], name


async def test_where_only_registered_documents_run_the_consoles_own_do(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    async with running(in_production(town_settings)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            page = await http.get("/console")
            island = re.search(
                r'<script id="operations" type="application/json">(.*?)</script>', page.text
            )
            assert island is not None
            sent = json.loads(island.group(1))
            headers = bearer(keys["command"])
            viewer = await http.post(
                "/graphql",
                json={"query": sent["Viewer"], "operationName": "Viewer"},
                headers=headers,
            )
            other = await http.post(
                "/graphql", json={"query": "{ viewer { id } }"}, headers=headers
            )
    assert viewer.json()["data"]["viewer"]["roles"] == ["command"]
    assert other.json()["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
