"""Patrols (三查): routines, plans, patrols with their check-ins, and coverage."""

from hub.patrols.coverage import CheckIn, Coverage, Patrol, PatrolStatus, coverage
from hub.patrols.plans import Plan, PlanEntry, load_overrides, plans
from hub.patrols.routines import Routine, RoutineCode, Routines, Window
from hub.patrols.service import Miss, Patrols
from hub.patrols.settings import PatrolSettings

__all__ = [
    "CheckIn",
    "Coverage",
    "Miss",
    "Patrol",
    "PatrolSettings",
    "PatrolStatus",
    "Patrols",
    "Plan",
    "PlanEntry",
    "Routine",
    "RoutineCode",
    "Routines",
    "Window",
    "coverage",
    "load_overrides",
    "plans",
]
