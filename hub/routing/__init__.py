"""Routing: who handles a grid event, from the taxonomy and the rules."""

from hub.routing.decide import COMMAND, Facts, Route, reassign, route_report
from hub.routing.router import Router, clock_deadline
from hub.routing.rules import Rule, Rules, RulesError, RulesFile

__all__ = [
    "COMMAND",
    "Facts",
    "Route",
    "Router",
    "Rule",
    "Rules",
    "RulesError",
    "RulesFile",
    "clock_deadline",
    "reassign",
    "route_report",
]
