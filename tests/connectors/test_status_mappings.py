"""Each department's statuses (statuses.yaml beside its connector) on the hub's one
lifecycle: every status its system can take is mapped, and every step its system can
take is one the lifecycle machine follows."""

from __future__ import annotations

import pytest

from connectors.citymgmt.data import COURSE as CITYMGMT
from connectors.health.data import TASKS as HEALTH
from connectors.petition.data import COURSE as PETITION
from connectors.police.data import COURSE as POLICE
from connectors.sdk import StatusMap
from connectors.sdk.simulation import Course
from hub.core.paths import PROJECT_ROOT
from hub.core.workorders import LifecycleStatus
from hub.events.lifecycle import allowed

CONNECTORS_DIR = PROJECT_ROOT / "connectors"
COURSES = {"citymgmt": CITYMGMT, "health": HEALTH, "petition": PETITION, "police": POLICE}


def mapping(department: str) -> StatusMap:
    return StatusMap.load(CONNECTORS_DIR / department / "statuses.yaml")


def lifecycle(statuses: StatusMap, status: str) -> LifecycleStatus:
    found = statuses.lifecycle(str(status))
    assert found is not None, f"{status} is not mapped"
    return found


def test_every_connector_with_a_status_map_is_checked() -> None:
    with_maps = {p.parent.name for p in CONNECTORS_DIR.glob("*/statuses.yaml")}
    assert with_maps == set(COURSES)


@pytest.mark.parametrize("department", sorted(COURSES))
def test_every_status_of_the_system_is_mapped(department: str) -> None:
    course: Course = COURSES[department]
    assert {str(s) for s in course.statuses} <= set(mapping(department).statuses)


@pytest.mark.parametrize("department", sorted(COURSES))
def test_every_step_of_the_system_is_a_step_of_the_lifecycle(department: str) -> None:
    statuses = mapping(department)
    for status, following in COURSES[department].steps.items():
        for target in following:
            before, after = lifecycle(statuses, status), lifecycle(statuses, target)
            assert allowed(before, after), f"{department}: {status} → {target}"


@pytest.mark.parametrize("department", sorted(COURSES))
def test_a_new_order_takes_the_hub_from_accepted_or_stays(department: str) -> None:
    """The hub has the order as ACCEPTED before the department's first status arrives;
    that status is legal from there, or earlier (kept on the timeline, moving nothing)."""
    first = next(iter(COURSES[department].steps))
    status = lifecycle(mapping(department), first)
    earlier = {LifecycleStatus.REPORTED, LifecycleStatus.ROUTED}
    assert allowed(LifecycleStatus.ACCEPTED, status) or status in earlier
