"""GraphiQL's page and files, all from the hub: nothing for a browser to fetch elsewhere."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.config import Settings
from hub.http.graphiql import EXAMPLE_QUERY, HEADERS_HINT, GraphiQL
from tests.conftest import in_production, running
from tests.support.graphiql import require_graphiql

HTML = {"accept": "text/html"}
YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def built() -> GraphiQL:
    return require_graphiql()


async def page_of(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response


async def test_the_page_refers_only_to_the_hubs_own_files(
    client: httpx.AsyncClient, built: GraphiQL
) -> None:
    page = (await page_of(client)).text
    addresses = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert addresses == [
        f"/graphql/assets/{built.build}/graphiql.css",
        f"/graphql/assets/{built.build}/graphiql.js",
    ]
    assert "://" not in page  # no absolute address anywhere, not even in the settings


async def test_the_browser_may_load_nothing_from_elsewhere(
    client: httpx.AsyncClient, built: GraphiQL
) -> None:
    policy = (await page_of(client)).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "connect-src", "worker-src"):
        assert directives[name] == "'self'"


async def test_graphiql_opens_with_the_example_query_and_the_headers_to_fill_in(
    client: httpx.AsyncClient, built: GraphiQL
) -> None:
    page = (await page_of(client)).text
    config = re.search(r'<script id="hub-graphiql" type="application/json">(.*?)</script>', page)
    assert config is not None
    settings = json.loads(config.group(1))
    assert settings["endpoint"] == "/graphql"
    assert settings["query"] == EXAMPLE_QUERY
    assert "gridAt(lat: 30.3120, lon: 120.0530)" in settings["query"]
    assert settings["headers"] == HEADERS_HINT
    assert '"Authorization": "Bearer ghk_…"' in settings["headers"]
    assert '"X-Purpose": "demo"' in settings["headers"]


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("graphiql.js", "text/javascript; charset=utf-8"),
        ("graphiql.css", "text/css; charset=utf-8"),
        ("editor.worker.js", "text/javascript; charset=utf-8"),
        ("graphql.worker.js", "text/javascript; charset=utf-8"),
        ("json.worker.js", "text/javascript; charset=utf-8"),
        ("codicon.ttf", "font/ttf"),
    ],
)
async def test_files_have_their_type_and_are_cached_for_a_year(
    client: httpx.AsyncClient, built: GraphiQL, name: str, content_type: str
) -> None:
    response = await client.get(
        f"/graphql/assets/{built.build}/{name}", headers={"accept-encoding": "identity"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == YEAR
    assert "content-encoding" not in response.headers
    assert response.content == built.files[name].read_bytes()


async def test_browsers_that_accept_gzip_get_the_compressed_file(
    client: httpx.AsyncClient, built: GraphiQL
) -> None:
    url = f"/graphql/assets/{built.build}/graphiql.js"
    response = await client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < built.files["graphiql.js"].stat().st_size
    assert response.content == built.files["graphiql.js"].read_bytes()  # httpx decompressed it


@pytest.mark.parametrize(
    "path",
    [
        "/graphql/assets/0123456789abcdef/graphiql.js",  # an older build
        "/graphql/assets/{build}/nope.js",
        "/graphql/assets/{build}/.inputs",
        "/graphql/assets/{build}/graphiql.js.gz",
        "/graphql/assets/{build}/..%2F..%2Fgraphiql.py",
    ],
)
async def test_anything_else_under_assets_is_not_found(
    client: httpx.AsyncClient, built: GraphiQL, path: str
) -> None:
    response = await client.get(path.format(build=built.build))
    assert response.status_code == 404


def test_the_build_address_changes_with_the_files(tmp_path: Path) -> None:
    for name in ("graphiql.js", "graphiql.css"):
        (tmp_path / name).write_text(f"/* {name} */")
    first = GraphiQL(folder=tmp_path).build
    (tmp_path / "graphiql.js").write_text("/* changed */")
    (tmp_path / "again").mkdir()
    for name in ("graphiql.js", "graphiql.css"):
        (tmp_path / "again" / name).write_bytes((tmp_path / name).read_bytes())
    assert GraphiQL(folder=tmp_path / "again").build != first


def test_without_its_files_the_page_says_how_to_build_them(tmp_path: Path) -> None:
    graphiql = GraphiQL(folder=tmp_path / "empty")
    assert not graphiql.installed
    page = graphiql.page()
    assert b"scripts/graphiql" in page.body
    assert b"<script" not in page.body


@pytest.fixture
async def production(town_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    settings = in_production(town_settings)
    async with running(settings) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield http


async def test_production_serves_neither_the_page_nor_its_files(
    production: httpx.AsyncClient, built: GraphiQL
) -> None:
    response = await production.get(f"/graphql/assets/{built.build}/graphiql.js")
    assert response.status_code == 404
