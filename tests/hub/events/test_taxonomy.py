"""The category tree: the published file, inheritance, and every problem named."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.departments import load_departments
from hub.core.paths import TAXONOMY_FILE
from hub.events import HandlingLevel, Severity, Taxonomy, TaxonomyError, TimeUnit

DEPARTMENTS = [d.code for d in load_departments()]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load(TAXONOMY_FILE, DEPARTMENTS)


def test_every_department_handles_some_category(taxonomy: Taxonomy) -> None:
    handling = {c.lead for c in taxonomy} | {d for c in taxonomy for d in c.co}
    assert handling == set(DEPARTMENTS)


def test_leaves_inherit_from_their_group_unless_they_say_otherwise(taxonomy: Taxonomy) -> None:
    litter = taxonomy.get("city.litter")
    billboard = taxonomy.get("city.billboard")
    assert litter is not None
    assert billboard is not None
    assert (litter.lead, litter.in_grid, litter.time_limit.value) == ("citymgmt", True, 4)
    assert litter.time_limit.unit is TimeUnit.WORKING_HOURS
    assert (billboard.in_grid, billboard.time_limit.unit) == (False, TimeUnit.WORKING_DAYS)
    assert litter.path == ("市容环境", "暴露垃圾")
    assert litter.leaf
    assert not taxonomy.get("city").leaf  # type: ignore[union-attr]


def test_emergencies_run_on_clock_hours_and_start_higher(taxonomy: Taxonomy) -> None:
    flood = taxonomy.get("safety.flood")
    assert flood is not None
    assert flood.time_limit.unit is TimeUnit.HOURS
    assert flood.severity is Severity.HIGH
    assert flood.level is HandlingLevel.STREET
    assert flood.co == ("citymgmt", "water")


@pytest.mark.parametrize(
    ("code", "lead", "co", "severity"),
    [
        ("safety.trapped", "fire", ("emergency", "police"), Severity.CRITICAL),
        ("safety.evacuation", "command", ("civil", "emergency"), Severity.HIGH),
        ("geology.landslide", "natres", ("emergency",), Severity.CRITICAL),
        ("utility.drain_blockage", "water", ("citymgmt",), Severity.LOW),
        ("utility.power_outage", "housing", (), Severity.MEDIUM),
        ("utility.water_outage", "water", (), Severity.MEDIUM),
    ],
)
def test_the_flood_night_has_its_words(
    taxonomy: Taxonomy, code: str, lead: str, co: tuple[str, ...], severity: Severity
) -> None:
    category = taxonomy.get(code)
    assert category is not None
    assert category.reportable
    assert (category.lead, category.co, category.severity) == (lead, co, severity)


def test_rule_only_categories_cannot_be_reported(taxonomy: Taxonomy) -> None:
    assert not taxonomy.get("dispute.mediation").reportable  # type: ignore[union-attr]
    assert not taxonomy.get("health.disinfection").reportable  # type: ignore[union-attr]


def tree(*children: dict[str, Any], **group: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "categories": [{"code": "x", "name": "X", **group, "children": list(children)}],
    }


def test_every_problem_is_named_with_its_category() -> None:
    bad = tree(
        {"code": "x.a", "name": "A", "lead": "nobody", "time_limit": {"days": 2}},
        {
            "code": "y.b",
            "name": "B",
            "lead": "police",
            "co": ["police"],
            "time_limit": {"hours": 1},
        },
        {"code": "x.c", "name": "C"},
    )
    with pytest.raises(TaxonomyError) as caught:
        Taxonomy.parse(bad, DEPARTMENTS, source="categories.yaml")
    problems = caught.value.problems
    assert "x.a: unknown department 'nobody'" in " ".join(problems)
    assert any(p.startswith("x.a: time_limit must be one of") for p in problems)
    assert "y.b: the code must be x.<segment>, segments in [a-z0-9_]" in problems
    assert "y.b: the lead 'police' is also a co-handler" in problems
    assert "x.c: no lead department (set lead here or on a group)" in problems
    assert str(caught.value).startswith("categories.yaml: ")


def test_structural_mistakes_are_refused_before_anything_else() -> None:
    with pytest.raises(TaxonomyError, match=r"categories\.0\.colour"):
        Taxonomy.parse(
            {"version": 1, "categories": [{"code": "x", "name": "X", "colour": 1}]}, DEPARTMENTS
        )


def test_duplicate_codes_are_refused() -> None:
    twice = tree(
        {"code": "x.a", "name": "A", "lead": "police", "time_limit": {"hours": 1}},
        {"code": "x.a", "name": "A again", "lead": "police", "time_limit": {"hours": 1}},
    )
    with pytest.raises(TaxonomyError, match=r"x\.a: the code appears twice"):
        Taxonomy.parse(twice, DEPARTMENTS)
