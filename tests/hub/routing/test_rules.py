"""Routing rules: the published file, named problems, and reloading without a restart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hub.core.departments import load_departments
from hub.core.paths import ROUTING_RULES_FILE, TAXONOMY_FILE
from hub.events import Taxonomy
from hub.routing import Rules, RulesError, RulesFile

DEPARTMENTS = [d.code for d in load_departments()]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load(TAXONOMY_FILE, DEPARTMENTS)


def parse(taxonomy: Taxonomy, *rules: dict[str, Any]) -> Rules:
    return Rules.parse({"version": 1, "rules": list(rules)}, taxonomy, DEPARTMENTS)


def test_the_published_rules_are_valid(taxonomy: Taxonomy) -> None:
    rules = Rules.load(ROUTING_RULES_FILE, taxonomy, DEPARTMENTS)
    names = {r.name for r in rules.rules}
    assert {"police-dispute-mediation", "fever-cluster-response", "flood-joint-response"} <= names


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


def test_a_broken_file_at_start_stops_the_start(taxonomy: Taxonomy, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\nrules: [{name: x, then: {co: [nobody]}}]\n", encoding="utf-8")
    with pytest.raises(RulesError, match="unknown department 'nobody'"):
        RulesFile(path, taxonomy, DEPARTMENTS)
