"""Periodic reports (日汇总、周研判、月通报、季分析): built from the statistics, the ledger,
the patrols and the points, and written as a printable page or a spreadsheet."""

from hub.reports.bulletin import Bulletin, OverdueEvent, Ranking, Sources, WorkerRow, bulletin
from hub.reports.page import render
from hub.reports.sheet import workbook

__all__ = [
    "Bulletin",
    "OverdueEvent",
    "Ranking",
    "Sources",
    "WorkerRow",
    "bulletin",
    "render",
    "workbook",
]
