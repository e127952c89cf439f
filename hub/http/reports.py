"""``GET /reports/{day|week|month|quarter}``: a region's periodic report as a printable
page (HTML) or a spreadsheet (``?format=xlsx``), behind the gate with ``stats:read``.

    /reports/month?scope=330199001&date=2026-11-15          the month holding that day
    /reports/week?scope=330199001001001&format=xlsx         this week, a grid's

A grid-scoped principal asks only for regions inside their grids. Refusals are the
gate's typed JSON (400 for a bad scope or date, 403 outside one's grids).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hub.core.codes import InvalidCodeError, level_of
from hub.core.errors import ErrorCode
from hub.http.gate import SCOPE_KEY, Admission
from hub.http.media import JSON
from hub.http.probes import Endpoint
from hub.http.responses import RequestError, refusal
from hub.reports import bulletin, render, workbook
from hub.services import Services
from hub.stats import Period
from hub.stats.periods import local_day

STATS = "stats:read"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {"day": Period.DAY, "week": Period.WEEK, "month": Period.MONTH, "quarter": Period.QUARTER}


def reports_endpoint(services: Services) -> Endpoint:
    async def reports(request: Request) -> Response:
        try:
            kind, scope, day, spreadsheet = _asked(request)
        except RequestError as error:
            return refusal(error, JSON)
        async with services.database.engine.connect() as connection:
            found = await bulletin(
                connection, services.report_sources, kind, scope, day, services.bus.clock.now()
            )
        if spreadsheet:
            name = f"{scope}-{kind.value.lower()}-{found.first}.xlsx"
            disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
            return Response(workbook(found), media_type=XLSX, headers=disposition)
        return HTMLResponse(render(found))

    return reports


def _asked(request: Request) -> tuple[Period, str, date, bool]:
    """What the request asks for; RequestError (400, 403) for what it may not have."""
    kind = KINDS.get(request.path_params["kind"])
    if kind is None:
        raise RequestError(ErrorCode.BAD_REQUEST, f"reports are {', '.join(KINDS)}")
    scope = request.query_params.get("scope", "")
    try:
        level_of(scope)
    except InvalidCodeError as error:
        raise RequestError(ErrorCode.BAD_REQUEST, f"scope: {error}") from error
    admission: Admission = request.scope[SCOPE_KEY]
    principal = admission.principal
    if principal is not None and not principal.grids.contains(scope):
        raise RequestError(ErrorCode.FORBIDDEN, f"{scope} is outside the grids of {principal.name}")
    return kind, scope, _day(request.query_params.get("date")), _format(request)


def _day(text: str | None) -> date:
    if not text:
        return local_day(datetime.now(UTC))
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise RequestError(ErrorCode.BAD_REQUEST, "date: YYYY-MM-DD") from error


def _format(request: Request) -> bool:
    """Whether a spreadsheet is asked for (else the page)."""
    chosen = request.query_params.get("format", "html")
    if chosen not in {"html", "xlsx"}:
        raise RequestError(ErrorCode.BAD_REQUEST, "format: html or xlsx")
    return chosen == "xlsx"
