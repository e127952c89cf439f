"""What connectors add to the bus: their department, feed types, rules, categories and
call-backs, gathered from the classes alone; the built-in four declare theirs the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.citymgmt import CityManagementConnector
from connectors.petition import PetitionConnector
from connectors.police import PoliceConnector
from connectors.sdk import Connector, Department
from hub.core.feeds import FeedType
from hub.core.paths import ROUTING_RULES_FILE, TAXONOMY_FILE
from hub.events import Taxonomy, TaxonomyError
from hub.routing import Rules
from hub.services.contributions import ContributionError, Contributions
from tests.connectors.sdk.fake import FakeConnector, settings
from tests.support.built_in import BUILT_IN

DEPARTMENTS = [*Contributions.of(BUILT_IN).department_codes, "heating"]

WATER = Department("heating", "供热公司", "Heating Authority", "集中供热")
CATEGORIES = """version: 1
categories:
  - code: heating
    name: 供热
    lead: heating
    time_limit: {working_hours: 8}
    children:
      - {code: heating.pipe_burst, name: 供热管爆裂, reportable: false}
"""
RULES = """version: 1
rules:
  - name: pipe-burst-response
    when: {type: gov.heating.reading.taken}
    then: {notify_grids: true, open: {category: heating.pipe_burst}}
"""


def water_connector(folder: Path) -> type[Connector]:
    """A third party's connector, with a department the hub does not know."""
    (folder / "categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    (folder / "routing.yaml").write_text(RULES, encoding="utf-8")

    class HeatingConnector(FakeConnector):
        name = department = "heating"
        department_info = WATER
        feed_entity = "reading"
        feed_created_verb = "taken"
        routing_file = folder / "routing.yaml"
        taxonomy_file = folder / "categories.yaml"

    return HeatingConnector


def test_feed_types_are_read_on_the_class_and_on_an_instance() -> None:
    police = (FeedType("police", "incident", "created"), FeedType("police", "incident", "closed"))
    assert PoliceConnector.feed_types == police
    assert PoliceConnector(settings()).feed_types == police
    assert FakeConnector.feed_types == ()  # no feed_entity: no change feed, no types


def test_the_built_in_connectors_declare_their_feeds_rules_and_call_backs() -> None:
    given = Contributions.of(BUILT_IN)
    assert {t.value for t in given.feed_types} == {
        "gov.citymgmt.case.created",
        "gov.citymgmt.case.closed",
        "gov.health.alert.raised",
        "gov.health.alert.closed",
        "gov.petition.ticket.created",
        "gov.petition.ticket.closed",
        "gov.police.incident.created",
        "gov.police.incident.closed",
    }
    assert given.replies_by == "petition"
    assert [s.label for s in given.rule_sources] == [
        "citymgmt's routing.yaml",
        "health's routing.yaml",
        "police's routing.yaml",
    ]
    assert given.department_codes[0] == "command"  # the hub's file, in its order


def test_a_third_party_brings_its_department_categories_and_rules(tmp_path: Path) -> None:
    given = Contributions.of([*BUILT_IN, water_connector(tmp_path)])
    assert given.departments[-1] == WATER
    taxonomy = Taxonomy.load_all(TAXONOMY_FILE, given.taxonomy_files, given.department_codes)
    burst = taxonomy.get("heating.pipe_burst")
    assert burst is not None
    assert burst.lead == "heating"
    rules = Rules.load_all(
        ROUTING_RULES_FILE,
        given.rule_sources,
        taxonomy,
        given.department_codes,
        given.feed_types,
    )
    assert [r.name for r in rules.for_type("gov.heating.reading.taken")] == ["pipe-burst-response"]


def test_a_category_in_two_files_is_named_with_both(tmp_path: Path) -> None:
    (tmp_path / "again.yaml").write_text(
        CATEGORIES.replace("code: heating\n", "code: city\n").replace("heating.", "city."), "utf-8"
    )
    with pytest.raises(TaxonomyError) as caught:
        Taxonomy.load_all(
            TAXONOMY_FILE, [("heating's again.yaml", tmp_path / "again.yaml")], DEPARTMENTS
        )
    assert caught.value.problems == [
        "city: the category is in categories.yaml and in heating's again.yaml"
    ]


def test_declarations_that_cannot_hold_together_are_refused(tmp_path: Path) -> None:
    class SecondHotline(CityManagementConnector):
        calls_back_reporters = True

    with pytest.raises(ContributionError, match="citymgmt, petition all call reporters back"):
        Contributions.of([PetitionConnector, SecondHotline])

    class Mislabelled(water_connector(tmp_path)):  # type: ignore[misc]
        department_info = Department("gas", "燃气", "Gas", "燃气")

    with pytest.raises(ContributionError, match="describes 'gas', not its department 'heating'"):
        Contributions.of([Mislabelled])
