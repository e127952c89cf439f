"""A bulletin as a spreadsheet (.xlsx, through openpyxl): one sheet per section, so the
figures can be worked on, with what it covers and where it came from on the first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from io import BytesIO
from typing import TYPE_CHECKING

from hub.reports.bulletin import Bulletin, Ranking
from hub.reports.page import HEADLINE

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet


def workbook(bulletin: Bulletin) -> bytes:
    # openpyxl adds 11 MiB to every hub process: loaded when a spreadsheet is first
    # asked for, not at start.
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook has its first sheet
    _summary(summary, bulletin)
    _sheet(
        book,
        "趋势",
        ("开始", "上报", "办结"),
        ((f.start, f.reported, f.closed) for f in bulletin.trend),
    )
    _sheet(book, "问题类别", *_ranking(bulletin.categories, "类别"))
    _sheet(book, "热点网格", *_ranking(bulletin.hot_spots, "网格"))
    _sheet(
        book,
        "超期未办结",
        ("事件编号", "事件", "网格", "牵头部门", "处置层级", "时限"),
        (
            (e.id, e.title, e.grid, e.department or "", e.level, e.deadline.replace(tzinfo=None))
            for e in bulletin.overdue
        ),
    )
    _sheet(
        book,
        "三查巡查",
        ("巡查", "按时", "延迟", "缺失", "未到期"),
        ((r, c["DONE"], c["LATE"], c["MISSED"], c["DUE"]) for r, c in bulletin.patrols.items()),
    )
    _sheet(
        book,
        "积分排名",
        ("名次", "网格员", "网格", "积分"),
        ((w.rank, w.name, "、".join(w.grids), w.points) for w in bulletin.workers),
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(sheet: Worksheet, bulletin: Bulletin) -> None:
    sheet.title = "概要"
    sheet.append([bulletin.title])
    sheet["A1"].font = _bold()
    sheet.append(["期间", bulletin.period_label, bulletin.first, bulletin.last])
    sheet.append(["范围", bulletin.scope_name, bulletin.scope])
    sheet.append(["生成于", bulletin.generated_at.replace(tzinfo=None), "北京时间"])
    for source in bulletin.sources:
        sheet.append(["数据来源", source])
    sheet.append([])
    sheet.append(["指标", "本期", "上期"])
    for name, label, _ in HEADLINE:
        sheet.append([label, getattr(bulletin.figures, name), getattr(bulletin.before, name)])


def _ranking(
    rows: Sequence[Ranking], what: str
) -> tuple[tuple[str, ...], Iterable[tuple[object, ...]]]:
    return ("名次", what, "编码", "上报", "办结", "超期"), (
        (i, r.name, r.code, r.reported, r.closed, r.overdue) for i, r in enumerate(rows, 1)
    )


def _sheet(
    book: Workbook, title: str, headings: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = _bold()
    for row in rows:
        sheet.append(list(row))


@cache
def _bold() -> Font:
    from openpyxl.styles import Font  # noqa: PLC0415 - see workbook

    return Font(bold=True)
