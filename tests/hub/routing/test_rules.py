"""Routing rules: the published file, named problems, and reloading without a restart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hub.core.departments import load_departments
from hub.core.feeds import FeedType
from hub.core.paths import ROUTING_RULES_FILE, TAXONOMY_FILE
from hub.events import Taxonomy
from hub.routing import Rules, RulesError, RulesFile, RuleSource
from tests.support.built_in import built_in_contributions

DEPARTMENTS = [d.code for d in load_departments()]
BUILT_IN = built_in_contributions()
FEED_TYPES = BUILT_IN.feed_types
WATER = FeedType("environment", "reading", "taken")  # a third party's, for these tests


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load(TAXONOMY_FILE, DEPARTMENTS)


def parse(taxonomy: Taxonomy, *rules: dict[str, Any]) -> Rules:
    return Rules.parse({"version": 1, "rules": list(rules)}, taxonomy, DEPARTMENTS, FEED_TYPES)


def rules_file(path: Path, *rules: str) -> Path:
    path.write_text("version: 1\nrules:\n" + "".join(f"  - {r}\n" for r in rules), "utf-8")
    return path


def test_the_published_rules_and_the_built_in_connectors_are_valid(taxonomy: Taxonomy) -> None:
    hub_only = Rules.load(ROUTING_RULES_FILE, taxonomy, DEPARTMENTS)
    assert all(rule.on_report for rule in hub_only.rules)  # feed rules come with connectors
    rules = Rules.load_all(
        ROUTING_RULES_FILE, BUILT_IN.rule_sources, taxonomy, DEPARTMENTS, FEED_TYPES
    )
    names = {r.name for r in rules.rules}
    assert {"police-dispute-mediation", "fever-cluster-response", "flood-joint-response"} <= names
    assert {"city-case-closed-notice"} <= names


def test_a_feed_type_no_connector_publishes_is_unknown(taxonomy: Taxonomy) -> None:
    rule = {"type": WATER.value, "category": "city"}
    with pytest.raises(RulesError, match=r"is not gov\.grid\.event\.reported or one of"):
        parse(taxonomy, {"name": "w", "when": rule, "then": {"notify_grids": True}})
    water = Rules.parse(
        {"version": 1, "rules": [{"name": "w", "when": rule, "then": {"notify_grids": True}}]},
        taxonomy,
        DEPARTMENTS,
        {*FEED_TYPES, WATER},
    )
    assert [r.when.type for r in water.rules] == [WATER.value]


def test_a_connectors_rules_are_on_its_own_feed_types_and_names_clash_naming_both(
    taxonomy: Taxonomy, tmp_path: Path
) -> None:
    hub = rules_file(tmp_path / "routing.yaml", "{name: tell-police, then: {notify: [police]}}")
    theirs = rules_file(
        tmp_path / "water.yaml",
        f"{{name: tell-police, when: {{type: {WATER.value}}}, then: {{notify_grids: true}}}}",
        "{name: reroute, when: {category: city}, then: {lead: environment}}",
    )
    source = RuleSource(theirs, "water's water.yaml", frozenset({WATER}))
    with pytest.raises(RulesError) as caught:
        Rules.load_all(hub, [source], taxonomy, DEPARTMENTS, {WATER})
    assert caught.value.problems == [
        "water's water.yaml: reroute: gov.grid.event.reported is not a type this connector "
        "publishes",
        "tell-police: a rule of this name is in routing.yaml and in water's water.yaml",
    ]


def test_semantic_problems_are_each_named(taxonomy: Taxonomy) -> None:
    with pytest.raises(RulesError) as caught:
        parse(
            taxonomy,
            {
                "name": "a",
                "when": {"type": "gov.nobody.thing.made"},
                "then": {"notify": ["ghosts"]},
            },
            {
                "name": "b",
                "when": {"category": "no.such"},
                "then": {"open": {"category": "city.litter"}},
            },
            {
                "name": "c",
                "when": {"type": "gov.police.incident.created", "channel": "HOTLINE"},
                "then": {"lead": "police", "open": {"category": "city"}},
            },
        )
    problems = caught.value.problems
    assert any(p.startswith("a: type 'gov.nobody.thing.made' is not") for p in problems)
    assert "a: unknown department 'ghosts'" in problems
    assert "b: category 'no.such' is not in the taxonomy" in problems
    assert "b: open applies to department feed events only" in problems
    assert not any(p.startswith("c: type") for p in problems)  # a built-in connector's type
    assert "c: channel applies to reported events only" in problems
    assert "c: lead, co and in_grid apply to reported events only" in problems
    assert "c: open: 'city' is not a leaf category of the taxonomy" in problems


def test_a_rule_must_do_something_and_names_are_unique(taxonomy: Taxonomy) -> None:
    with pytest.raises(RulesError, match="a rule must do something"):
        parse(taxonomy, {"name": "idle", "then": {}})
    with pytest.raises(RulesError, match="twice: two rules have this name"):
        parse(
            taxonomy,
            {"name": "twice", "then": {"notify": ["police"]}},
            {"name": "twice", "then": {"notify": ["health"]}},
        )


def test_a_changed_file_is_reloaded_and_a_broken_one_refused(
    taxonomy: Taxonomy, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\nrules: []\n", encoding="utf-8")
    watched = RulesFile(path, taxonomy, DEPARTMENTS)
    assert not watched.current.rules
    assert not watched.reload()  # nothing changed

    path.write_text(
        "version: 1\nrules:\n  - {name: tell-police, then: {notify: [police]}}\n", encoding="utf-8"
    )
    os.utime(path, ns=(1, 2_000_000_000))
    assert watched.reload()
    assert [r.name for r in watched.current.rules] == ["tell-police"]

    path.write_text(
        "version: 1\nrules:\n  - {name: broken, then: {lead: nobody}}\n", encoding="utf-8"
    )
    os.utime(path, ns=(1, 3_000_000_000))
    assert not watched.reload()
    assert [r.name for r in watched.current.rules] == ["tell-police"]  # the old rules stay


def test_a_reload_keeps_the_connectors_rules_and_refuses_a_clash_with_them(
    taxonomy: Taxonomy, tmp_path: Path
) -> None:
    path = rules_file(tmp_path / "rules.yaml", "{name: tell-police, then: {notify: [police]}}")
    theirs = rules_file(
        tmp_path / "water.yaml",
        f"{{name: water-notice, when: {{type: {WATER.value}}}, then: {{notify_grids: true}}}}",
    )
    source = RuleSource(theirs, "water's water.yaml", frozenset({WATER}))
    watched = RulesFile(path, taxonomy, DEPARTMENTS, {WATER}, [source])
    assert [r.name for r in watched.current.for_type(WATER.value)] == ["water-notice"]

    rules_file(path, "{name: tell-health, then: {notify: [health]}}")
    os.utime(path, ns=(1, 2_000_000_000))
    assert watched.reload()
    assert [r.name for r in watched.current.rules] == ["tell-health", "water-notice"]

    rules_file(path, "{name: water-notice, then: {notify: [health]}}")
    os.utime(path, ns=(1, 3_000_000_000))
    assert not watched.reload()
    assert [r.name for r in watched.current.rules] == ["tell-health", "water-notice"]


def test_a_broken_file_at_start_stops_the_start(taxonomy: Taxonomy, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\nrules: [{name: x, then: {co: [nobody]}}]\n", encoding="utf-8")
    with pytest.raises(RulesError, match="unknown department 'nobody'"):
        RulesFile(path, taxonomy, DEPARTMENTS)
