"""Routing decisions, as pure functions of an event, the taxonomy and the rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hub.core.codes import is_within
from hub.events import Category, Channel, Disposition, Severity
from hub.routing.rules import Condition, Rule

COMMAND = "command"  # the street's command centre: the grid workers, and the last resort
SETTLES_IN_GRID = (Severity.LOW, Severity.MEDIUM)


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions look at."""

    category: str
    severity: Severity
    grid: str
    channel: Channel | None = None


@dataclass(frozen=True, slots=True)
class Route:
    disposition: Disposition
    lead: str
    co: tuple[str, ...] = ()
    notified: tuple[str, ...] = ()
    notify_grids: bool = False
    rules: tuple[str, ...] = field(default=())

    @property
    def departments(self) -> list[str]:
        return [self.lead, *self.co]


def matches(when: Condition, facts: Facts) -> bool:
    category = when.category
    return (
        (
            category is None
            or facts.category == category
            or facts.category.startswith(category + ".")
        )
        and (when.channel is None or when.channel is facts.channel)
        and (when.severity_at_least is None or facts.severity.rank >= when.severity_at_least.rank)
        and (when.within is None or is_within(facts.grid, when.within))
    )


def route_report(
    category: Category, facts: Facts, rules: Sequence[Rule], *, opened_by_rule: bool = False
) -> Route:
    """Where a new report goes: the category's departments, changed by matching rules.

    It stays in the grid when the category allows, the severity is low enough, and no
    rule forbids it; events that rules opened always go to their department.
    """
    lead, co = category.lead, list(category.co)
    notified: list[str] = []
    applied: list[str] = []
    in_grid = category.in_grid and facts.severity in SETTLES_IN_GRID and not opened_by_rule
    notify_grids = False
    for rule in rules:
        if not matches(rule.when, facts):
            continue
        applied.append(rule.name)
        then = rule.then
        lead = then.lead or lead
        co += then.co
        notified += then.notify
        in_grid = in_grid and then.in_grid is not False
        notify_grids = notify_grids or then.notify_grids
    co = _unique(c for c in co if c != lead)
    notified = _unique(notified)
    if in_grid:
        return Route(
            Disposition.IN_GRID, COMMAND, (), tuple(notified), notify_grids, tuple(applied)
        )
    disposition = Disposition.JOINT if co else Disposition.SINGLE
    return Route(disposition, lead, tuple(co), tuple(notified), notify_grids, tuple(applied))


def reassign(category: Category, co_handlers: Sequence[str], refused: Sequence[str]) -> str:
    """The new lead after refusals (退单/改派): the category's lead, then its co-handlers,
    then the command centre, which takes what nobody else will."""
    candidates = [category.lead, *category.co, *co_handlers]
    return next((d for d in candidates if d not in refused), COMMAND)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
