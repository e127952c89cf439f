"""The command centre's console in a real Chromium on loopback only: the demo town's map
drawn from the registry's polygons, a report filed through the graph reaching the map
and the feed live, an event's drawer with its timeline, and a grid worker's console
showing only its grid. Screenshots go to artifacts/console/ for CI to keep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from hub.app import create_app
from hub.config import Settings
from hub.demo.simulators import demo_schemes
from hub.http.console import Console
from hub.services import Services
from tests.support.browser import Browser, loopback_browser, screenshots
from tests.support.components import unavailable
from tests.support.live import live_server
from tests.support.loop import report_in
from tests.support.principals import GRID_A, GRID_B, bearer, make_keys

pytestmark = pytest.mark.integration
SHOTS = screenshots("console")
REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"""
LIVE = 30_000  # ms: the page must show a report within this (it takes about a second)


@asynccontextmanager
async def console(
    settings: Settings, profile: Path, role: str
) -> AsyncIterator[tuple[Page, Browser, Services, str, str]]:
    """The console, signed in with a ``role`` key and its map drawn; and the hub's address."""
    if not Console().installed:
        unavailable("ECharts", "its file is not fetched; run scripts/echarts")
    app = create_app(settings)
    services = app.state.services
    async with live_server(app) as address, loopback_browser(profile) as browser:
        key = (await make_keys(services.database))[role]
        page = await browser.context.new_page()
        await page.goto(f"http://{address}/console#key={key}")
        await page.wait_for_selector("body[data-state=ready]", timeout=30_000)
        await page.wait_for_selector("#live[data-live=on]", timeout=30_000)
        yield page, browser, services, address, key


async def _report(address: str, key: str) -> str:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        variables = {
            "i": {
                "category": "municipal.manhole_cover",
                "description": "井盖缺失，行人危险",
                "channel": "PATROL",
                "location": {"lat": 30.3120, "lon": 120.0530},
            }
        }
        response = await http.post(
            "/graphql", json={"query": REPORT, "variables": variables}, headers=bearer(key)
        )
    event_id: str = response.json()["data"]["reportEvent"]["id"]
    return event_id


async def _lines(page: Page, selector: str) -> set[int]:
    """How many lines of text each element matching ``selector`` takes, as a set."""
    counts: list[int] = await page.locator(selector).evaluate_all(
        """(cells) => cells.map((cell) => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        })"""
    )
    return set(counts)


async def test_the_map_draws_the_town_and_a_report_arrives_live_with_its_timeline(
    town_settings: Settings, town_document: dict[str, Any], tmp_path: Path
) -> None:
    async with console(town_settings, tmp_path / "profile", "command") as opened:
        page, browser, services, address, key = opened
        assert await page.get_attribute("#map", "data-level") == "COMMUNITY"
        assert await page.get_attribute("#map", "data-regions") == "10"
        await page.select_option("#level", "GRID")
        await page.wait_for_selector("#map[data-level=GRID]")
        assert await page.get_attribute("#map", "data-regions") == "83"
        await page.screenshot(path=SHOTS / "grids.png")
        await page.select_option("#level", "MICRO_GRID")
        await page.wait_for_selector("#map[data-level=MICRO_GRID]", timeout=LIVE)
        assert await page.get_attribute("#map", "data-regions") == "505"
        await page.select_option("#level", "GRID")
        scheme = demo_schemes(town_document)["police"]
        await services.crosswalk.import_scheme("police", scheme, "police")
        await page.select_option("#layer", "police")
        await page.wait_for_selector("#map[data-layer]", timeout=LIVE)
        police_grids = len(await services.crosswalk.shapes("police", [""]))
        assert int(await page.get_attribute("#map", "data-layer") or 0) >= police_grids > 0
        await page.screenshot(path=SHOTS / "police-grids.png")

        event_id = await _report(address, key)
        item = page.locator(f'#feed li[data-event-id="{event_id}"]').first
        await item.wait_for(timeout=LIVE)
        await page.wait_for_selector(f'#map[data-last-event="{event_id}"]', timeout=LIVE)
        assert "井盖" in await item.inner_text()
        await page.wait_for_timeout(500)  # the map redraws on its next frame
        await page.screenshot(path=SHOTS / "live.png")

        await item.click()
        await page.wait_for_selector(f'#drawer[data-event-id="{event_id}"] #timeline li')
        await page.wait_for_selector('#timeline li[data-step="ROUTED"]', timeout=LIVE)
        steps = await page.locator("#timeline li").evaluate_all(
            "(items) => items.map((i) => i.dataset.step)"
        )
        assert steps[:2] == ["REPORTED", "ROUTED"]
        assert await page.locator("#drawer .actions button", has_text="挂账").count() == 1
        await page.screenshot(path=SHOTS / "drawer.png")
        assert await page.locator("#systems tbody tr").count() >= 4
        assert await _lines(page, "#systems tbody td:not(:first-child)") == {1}, (
            "a system's state, breaker, P50 or error rate wrapped"
        )
        assert browser.outside == [], "the console reached beyond the hub"
        assert browser.errors == []


async def test_a_grid_workers_console_shows_only_its_grid(
    town_settings: Settings, tmp_path: Path
) -> None:
    async with console(town_settings, tmp_path / "profile", "grid_worker") as opened:
        page, browser, services, _, _ = opened
        assert await page.get_attribute("#map", "data-level") == "GRID"
        assert await page.get_attribute("#map", "data-regions") == "1"
        elsewhere = await report_in(services, GRID_B)
        mine = await report_in(services, GRID_A)
        await page.locator(f'#feed li[data-event-id="{mine.id}"]').first.wait_for(timeout=LIVE)
        grids = await page.locator("#feed li").evaluate_all(
            "(items) => items.map((i) => i.dataset.grid)"
        )
        assert set(grids) == {GRID_A}
        assert await page.locator(f'#feed li[data-event-id="{elsewhere.id}"]').count() == 0
        await page.locator(f'#feed li[data-event-id="{mine.id}"]').first.click()
        await page.wait_for_selector(f'#drawer[data-event-id="{mine.id}"] #timeline li')
        actions = page.locator("#drawer .actions button")
        assert await actions.filter(has_text="就地办结").count() == 1  # events:settle
        assert await actions.filter(has_text="挂账").count() == 0  # no events:supervise
        await page.screenshot(path=SHOTS / "grid-worker.png")
        assert browser.outside == []
        assert browser.errors == []
