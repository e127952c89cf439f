"""Severity shapes a report's handling: the published rules, what they do to a
category, and every problem in a bad file named at once."""

from __future__ import annotations

import pytest

from hub.core.departments import load_departments
from hub.core.paths import SEVERITY_FILE, TAXONOMY_FILE
from hub.events import HandlingLevel, Severity, Taxonomy, TaxonomyError, TimeUnit
from hub.events.payloads import TimeLimit
from hub.events.severity import SeverityRules
from tests.conftest import TownBus
from tests.hub.routing.test_router import by_type
from tests.support.events import report

DEPARTMENTS = [d.code for d in load_departments()]


@pytest.fixture(scope="module")
def rules() -> SeverityRules:
    return SeverityRules.load(SEVERITY_FILE, DEPARTMENTS)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load(TAXONOMY_FILE, DEPARTMENTS)


def test_a_critical_report_starts_high_and_runs_short(
    rules: SeverityRules, taxonomy: Taxonomy
) -> None:
    manhole = taxonomy.get("municipal.manhole_cover")  # level 1, working hours
    assert manhole is not None
    critical = rules[Severity.CRITICAL]
    assert critical.level_for(manhole) == HandlingLevel.STREET
    assert critical.time_limit_for(manhole) == TimeLimit(value=1, unit=TimeUnit.HOURS)
    assert set(critical.notify) == {"command", "emergency"}
    low = rules[Severity.LOW]
    assert (low.level_for(manhole), low.time_limit_for(manhole)) == (
        manhole.level,
        manhole.time_limit,
    )


def test_a_shorter_category_limit_and_a_higher_category_level_stand(
    rules: SeverityRules, taxonomy: Taxonomy
) -> None:
    trapped = taxonomy.get("safety.trapped")  # level 3, one clock hour already
    assert trapped is not None
    high = rules[Severity.HIGH]  # four hours
    assert high.level_for(trapped) == trapped.level == HandlingLevel.STREET
    assert high.time_limit_for(trapped) == trapped.time_limit
    noise = taxonomy.get("environment.noise")  # in working hours, longer than four hours
    assert noise is not None
    assert high.time_limit_for(noise) == TimeLimit(value=4, unit=TimeUnit.HOURS)


def test_every_problem_in_the_file_is_named() -> None:
    raw = {
        "SEVERE": {},
        "HIGH": {"level": 5, "time_limit": {"fortnights": 1}},
        "CRITICAL": {"notify": ["nobody"], "escalate": True},
        "MEDIUM": {"notify": ["nobody"]},
    }
    with pytest.raises(TaxonomyError) as refused:
        SeverityRules.parse(raw, DEPARTMENTS, source="severity.yaml")
    assert refused.value.problems == [
        "SEVERE: not a severity (LOW, MEDIUM, HIGH, CRITICAL)",
        "HIGH: level must be 1 to 4",
        "HIGH: time_limit must be one of hours, working_hours, working_days: a positive number",
        "CRITICAL: only level, notify, time_limit may be set",
        "MEDIUM: notify names unknown departments: ['nobody']",
    ]


async def test_a_critical_report_is_routed_at_its_level_and_told_at_once(
    embedded_town_bus: TownBus,
) -> None:
    bus = embedded_town_bus.bus
    event, data = bus.intake.reported_event(report(severity=Severity.CRITICAL))
    assert (data.level, data.time_limit) == (3, TimeLimit(value=1, unit=TimeUnit.HOURS))
    outputs = by_type(await bus.router.handle(event))
    told = {n["department"] for n in outputs["gov.grid.notice.issued"]}
    assert {"command", "emergency"} <= told
    (routed,) = outputs["gov.grid.event.routed"]
    ordered = {o["department"] for o in outputs["gov.grid.workorder.requested"]}
    assert ordered == {routed["lead"], *routed["coHandlers"]}  # every order at once
