"""Statistics of the closed loop, from the ledger: rollups kept current by the
projection, reports per period and group, and grid-worker performance."""

from hub.stats.periods import Period
from hub.stats.rebuild import ledger_step, rebuild, record_all
from hub.stats.recorder import Statistics, record
from hub.stats.report import Figures, GroupBy, StatsReport, StatsRequest, report
from hub.stats.workers import WorkerFigures, worker_report

__all__ = [
    "Figures",
    "GroupBy",
    "Period",
    "Statistics",
    "StatsReport",
    "StatsRequest",
    "WorkerFigures",
    "ledger_step",
    "rebuild",
    "record",
    "record_all",
    "report",
    "worker_report",
]
