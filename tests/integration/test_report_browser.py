"""A month's bulletin for the demo town's street, in a real Chromium on loopback only:
its charts draw from the ECharts the hub ships, its headline figures are those of
``stats``, and it asks nothing of the network beyond the hub."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hub.app import create_app
from hub.config import Settings
from hub.reports.page import CHARTS
from hub.services import Services
from hub.stats import Figures, GroupBy, Period, StatsRequest, report
from hub.stats.periods import local_day, period_start
from tests.support.browser import loopback_browser
from tests.support.components import unavailable
from tests.support.live import live_server
from tests.support.loop import report_in
from tests.support.principals import GRID_A, bearer, make_keys

pytestmark = pytest.mark.integration
STREET = GRID_A[:9]
FIGURES = ("reported", "closed", "overdue", "escalations", "verifications")


async def test_a_months_bulletin_renders_with_its_charts_and_the_stats_figures(
    town_settings: Settings, tmp_path: Path
) -> None:
    if not CHARTS.is_file():
        unavailable("ECharts", "its file is not fetched; run scripts/echarts")
    app = create_app(town_settings)
    services = app.state.services
    async with live_server(app) as address, loopback_browser(tmp_path / "profile") as browser:
        key = (await make_keys(services.database))["command"]
        for category in ("municipal.manhole_cover", "city.litter", "city.muck_spill"):
            await report_in(services, GRID_A, category=category)
        today = local_day(datetime.now(UTC))
        await browser.context.set_extra_http_headers(bearer(key))
        page = await browser.context.new_page()
        await page.goto(f"http://{address}/reports/month?scope={STREET}&date={today}")
        await page.wait_for_function("document.body.dataset.drawn", timeout=30_000)
        await page.screenshot(path=tmp_path / "month.png", full_page=True)
        assert await page.evaluate("document.body.dataset.drawn") == "charts"
        assert await page.locator("#chart-categories svg").count() == 1
        shown = {
            name: await page.locator(f'[data-figure="{name}"]').inner_text() for name in FIGURES
        }
        totals = await _month(services, today)
        assert shown == {name: _shown(name, getattr(totals, name)) for name in FIGURES}
        assert totals.reported >= 3
        assert browser.outside == [], "the page reached beyond the hub"
        assert browser.errors == []


def _shown(name: str, value: int) -> str:
    return f"{value} {'次' if name in {'escalations', 'verifications'} else '件'}"


async def _month(services: Services, today: date) -> Figures:
    first = period_start(Period.MONTH, today)
    asked = StatsRequest(Period.MONTH, first, first, GroupBy.GRID, (STREET,), datetime.now(UTC))
    async with services.database.engine.connect() as connection:
        return (await report(connection, asked)).totals[0]
