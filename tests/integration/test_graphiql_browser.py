"""GraphiQL in a real browser, on a network that ends at the hub (a closed intranet).

Chromium loads ``/graphql`` from a hub on loopback; any request beyond loopback is
aborted and fails the test. A user pastes a key into the Headers tab, runs the example
query the page opens with, and reads the answer; a subscription runs over WebSocket.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect
from starlette.applications import Starlette

from hub.app import create_app
from hub.config import Settings
from hub.http.graphiql import EXAMPLE_QUERY
from tests.support.browser import Browser, loopback_browser
from tests.support.graphiql import require_graphiql
from tests.support.live import live_server
from tests.support.principals import bearer

pytestmark = pytest.mark.integration

TIMEOUT = 30_000  # ms: the first load compiles 5 MB of JavaScript on a busy machine


@dataclass
class Session:
    app: Starlette
    address: str
    browser: Browser
    page: Page


@pytest.fixture
async def session(
    town_settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Session]:
    require_graphiql()
    app = create_app(town_settings)
    async with live_server(app) as address, loopback_browser(tmp_path / "profile") as browser:
        await browser.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = await browser.context.new_page()
        page.set_default_timeout(TIMEOUT)
        await page.goto(f"http://{address}/graphql")
        yield Session(app, address, browser, page)
        await page.screenshot(path=tmp_path / f"{request.node.name}.png")
        assert browser.outside == [], "the page reached beyond the hub"
        assert browser.errors == []


def editor(page: Page, name: str) -> Locator:
    """One of GraphiQL's Monaco editors: query, variables, headers, or the result."""
    selectors = {
        "query": ".graphiql-query-editor",
        "headers": ".graphiql-editor-tool .graphiql-editor:not(.hidden)",
        "result": ".result-window",
    }
    return page.locator(selectors[name])


async def replace_text(page: Page, name: str, text: str) -> None:
    """Select everything in an editor and paste ``text`` over it, as a user would."""
    await page.evaluate("text => navigator.clipboard.writeText(text)", text)
    await editor(page, name).locator(".monaco-editor").click()
    await page.keyboard.press("ControlOrMeta+A")
    await page.keyboard.press("ControlOrMeta+V")
    # GraphiQL parses the query 100 ms after the last change, and decides by that parse
    # whether an operation is a subscription; a person never runs it sooner.
    await page.wait_for_timeout(300)


async def run(page: Page) -> None:
    await page.locator(".graphiql-execute-button").click()


async def test_graphiql_runs_the_example_query_with_a_pasted_key(
    session: Session, keys: dict[str, str]
) -> None:
    page = session.page
    query = editor(page, "query")
    await expect(query).to_contain_text("gridAt(lat: 30.3120, lon: 120.0530)")
    await expect(editor(page, "headers")).to_contain_text("Bearer ghk_…")
    headers = bearer(keys["command"], purpose="demo")
    await replace_text(page, "headers", json.dumps(headers))
    await run(page)
    expected = await answer(session.address, EXAMPLE_QUERY, headers)
    grid = expected["data"]["gridAt"]["grid"]
    result = editor(page, "result")
    await expect(result).to_contain_text(f'"code": "{grid["code"]}"')
    await expect(result).to_contain_text(f'"phone": "{grid["leader"]["phone"]}"')
    await expect(result).not_to_contain_text('"errors"')


async def test_graphiql_subscribes_over_websocket_with_the_pasted_key(
    session: Session, keys: dict[str, str], town_document: dict[str, Any]
) -> None:
    page = session.page
    await replace_text(page, "headers", json.dumps(bearer(keys["public"])))
    await replace_text(page, "query", "subscription { registryRevision }")
    await run(page)
    result = editor(page, "result")
    await expect(result).to_contain_text('"registryRevision": 1')
    grid = next(f for f in town_document["features"] if len(f["properties"]["code"]) == 15)
    document = {"type": "FeatureCollection", "features": [grid]}
    await session.app.state.services.registry.import_document(document, "browser test")
    await expect(result).to_contain_text('"registryRevision": 2')


async def answer(address: str, query: str, headers: dict[str, str]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"http://{address}", headers=headers) as http:
        response = await http.post("/graphql", json={"query": query})
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body
