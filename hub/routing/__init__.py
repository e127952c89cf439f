"""Routing: who handles a grid event, from the taxonomy and the rules."""

from hub.routing.decide import COMMAND, Facts, Route, reassign, route_report
from hub.routing.router import Deadline, Router
from hub.routing.rules import Rule, Rules, RulesError, RulesFile, RuleSource

__all__ = [
    "COMMAND",
    "Deadline",
    "Facts",
    "Route",
    "Router",
    "Rule",
    "RuleSource",
    "Rules",
    "RulesError",
    "RulesFile",
    "reassign",
    "route_report",
]
