"""``/reports/{kind}`` over HTTP: the page and the spreadsheet state the same headline
figures as ``stats``, and the gate refuses who may not read them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from io import BytesIO

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

from hub.services import Services
from hub.stats import Figures, GroupBy, Period, StatsRequest, report
from hub.stats.periods import local_day, period_start
from tests.support.loop import report_in
from tests.support.principals import GRID_A, bearer

STREET = GRID_A[:9]


@pytest.fixture
def services(app: Starlette) -> Services:
    return app.state.services  # type: ignore[no-any-return]


async def get(app: Starlette, key: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        return await http.get(path, headers=bearer(key) if key else {})


def figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert found is not None, f"no {name} on the page"
    return found[1]


async def test_the_month_page_and_sheet_state_the_stats(
    app: Starlette, services: Services, keys: dict[str, str]
) -> None:
    for category in ("municipal.manhole_cover", "city.litter", "city.litter"):
        await report_in(services, GRID_A, category=category)
    today = local_day(datetime.now(UTC))
    asked = f"/reports/month?scope={STREET}&date={today}"
    page = await get(app, keys["command"], asked)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    totals = await _month_totals(services, today)
    assert figure(page.text, "reported") == f"{totals.reported} 件"
    assert totals.reported >= 3
    assert figure(page.text, "closed") == f"{totals.closed} 件"
    assert figure(page.text, "overdue") == f"{totals.overdue} 件"
    assert "<script>" in page.text
    assert "cdn" not in page.text.lower()

    sheet = await get(app, keys["command"], asked + "&format=xlsx")
    assert sheet.status_code == 200
    book = load_workbook(BytesIO(sheet.content))
    summary = {row[0]: row[1:] for row in book["概要"].iter_rows(values_only=True) if row}
    assert summary["上报事件"][0] == totals.reported
    assert summary["办结归档"][0] == totals.closed
    assert summary["范围"][1] == STREET
    assert book.sheetnames == [
        "概要",
        "趋势",
        "问题类别",
        "热点网格",
        "超期未办结",
        "三查巡查",
        "积分排名",
    ]
    counted = {row[2]: row[3] for row in book["问题类别"].iter_rows(min_row=2, values_only=True)}
    assert counted["city.litter"] == 2


async def _month_totals(services: Services, today: date) -> Figures:
    first = period_start(Period.MONTH, today)
    request = StatsRequest(Period.MONTH, first, first, GroupBy.GRID, (STREET,), datetime.now(UTC))
    async with services.database.engine.connect() as connection:
        return (await report(connection, request)).totals[0]


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("", f"/reports/month?scope={STREET}", 401),
        ("grid_worker", f"/reports/month?scope={STREET}", 403),  # beyond their grid
        ("grid_worker", f"/reports/day?scope={GRID_A}", 200),
        ("monitoring", f"/reports/day?scope={GRID_A}", 403),  # no stats:read
        ("command", "/reports/month?scope=33019x", 400),
        ("command", f"/reports/month?scope={STREET}&date=2026-13-01", 400),
        ("command", f"/reports/month?scope={STREET}&format=pdf", 400),
        ("command", f"/reports/fortnight?scope={STREET}", 400),
    ],
)
async def test_who_may_read_which_report(
    app: Starlette, keys: dict[str, str], who: str, path: str, status: int
) -> None:
    answer = await get(app, keys[who] if who else "", path)
    assert answer.status_code == status, answer.text[:300]
    if status != 200:
        assert answer.json()["errors"][0]["extensions"]["code"]
