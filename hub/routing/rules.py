"""Routing rules (``contracts/taxonomy/routing.yaml``): checked at start, reloaded on change.

A rule is a condition on an event and actions that change its route or fan it out.
The file is checked completely against the taxonomy, the departments and the feed
types the installed connectors publish, and every problem is named; a file with
problems is refused as a whole. A connector may bring rules of its own on its own
feed types (``RuleSource``); they apply beside the configured file's, and a rule name
in two files is an error naming both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub.core.codes import InvalidCodeError, level_of
from hub.core.feeds import FeedType, type_values
from hub.events import Channel, GridEventType, Severity, Taxonomy

log = logging.getLogger(__name__)


class RulesError(ValueError):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{lines}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    type: str = GridEventType.REPORTED.value
    category: str | None = None
    channel: Channel | None = None
    severity_at_least: Severity | None = None
    within: str | None = None


class Opening(_Strict):
    category: str
    title: str | None = Field(default=None, max_length=100)


class Actions(_Strict):
    lead: str | None = None
    co: tuple[str, ...] = ()
    in_grid: bool | None = None
    notify: tuple[str, ...] = ()
    notify_grids: bool = False
    open: Opening | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Actions:
        if self == Actions.model_construct():
            raise ValueError("a rule must do something (lead, co, in_grid, notify, open…)")
        if self.in_grid:
            raise ValueError("in_grid can only be false: rules may forbid settling in the grid")
        return self


class Rule(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    when: Condition = Condition()
    then: Actions

    @property
    def on_report(self) -> bool:
        return self.when.type == GridEventType.REPORTED.value


class _File(_Strict):
    version: int = Field(ge=1, le=1)
    rules: list[Rule] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RuleSource:
    """A rules file beside the configured one: a connector's, whose rules may be on its
    own feed types only."""

    path: Path
    label: str  # how problems name it: "water's routing.yaml"
    types: frozenset[FeedType]


@dataclass(frozen=True, slots=True)
class Rules:
    rules: tuple[Rule, ...]

    @classmethod
    def load(
        cls,
        path: Path,
        taxonomy: Taxonomy,
        departments: Collection[str],
        feed_types: Collection[FeedType] = frozenset(),
    ) -> Rules:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise RulesError(str(path), [f"cannot read the file: {error}"]) from error
        return cls.parse(raw, taxonomy, departments, feed_types, source=path.name)

    @classmethod
    def load_all(
        cls,
        path: Path,
        sources: Sequence[RuleSource],
        taxonomy: Taxonomy,
        departments: Collection[str],
        feed_types: Collection[FeedType],
    ) -> Rules:
        """The configured file's rules and every source's, each checked, as one set."""
        problems: list[str] = []
        found: list[tuple[str, Rules]] = []
        for label, file, own in [
            (path.name, path, None),
            *((s.label, s.path, s.types) for s in sources),
        ]:
            try:
                rules = cls.load(file, taxonomy, departments, feed_types)
            except RulesError as error:
                problems += [f"{label}: {problem}" for problem in error.problems]
                continue
            if own is not None:
                problems += [f"{label}: {p}" for p in _foreign(rules.rules, type_values(own))]
            found.append((label, rules))
        problems += _clashes(found)
        if problems:
            raise RulesError("routing rules", problems)
        return cls(tuple(rule for _, rules in found for rule in rules.rules))

    @classmethod
    def parse(
        cls,
        raw: Any,
        taxonomy: Taxonomy,
        departments: Collection[str],
        feed_types: Collection[FeedType] = frozenset(),
        source: str = "rules",
    ) -> Rules:
        try:
            document = _File.model_validate(raw)
        except ValidationError as error:
            problems = [
                f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
                for e in error.errors()
            ]
            raise RulesError(source, problems) from error
        problems = _Check(taxonomy, set(departments), type_values(feed_types)).rules(document.rules)
        if problems:
            raise RulesError(source, problems)
        return cls(tuple(document.rules))

    def for_type(self, event_type: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.when.type == event_type]


def _foreign(rules: Sequence[Rule], own: frozenset[str]) -> list[str]:
    """A connector's rules that are not on its own feed types: it may not route reports."""
    return [
        f"{rule.name}: {rule.when.type} is not a type this connector publishes"
        for rule in rules
        if rule.when.type not in own
    ]


def _clashes(found: Sequence[tuple[str, Rules]]) -> list[str]:
    owner: dict[str, str] = {}
    problems = []
    for label, rules in found:
        for rule in rules.rules:
            if rule.name in owner and owner[rule.name] != label:
                problems.append(
                    f"{rule.name}: a rule of this name is in {owner[rule.name]} and in {label}"
                )
            owner.setdefault(rule.name, label)
    return problems


class _Check:
    def __init__(
        self, taxonomy: Taxonomy, departments: set[str], feed_types: frozenset[str]
    ) -> None:
        self.taxonomy = taxonomy
        self.departments = departments
        self.feed_types = feed_types

    def rules(self, rules: list[Rule]) -> list[str]:
        problems: list[str] = []
        names = [rule.name for rule in rules]
        problems += [
            f"{n}: two rules have this name" for n in sorted(set(names)) if names.count(n) > 1
        ]
        for rule in rules:
            problems += [f"{rule.name}: {p}" for p in self.rule(rule)]
        return problems

    def rule(self, rule: Rule) -> list[str]:
        return [*self.condition(rule), *self.actions(rule)]

    def condition(self, rule: Rule) -> list[str]:
        when = rule.when
        problems: list[str] = []
        if not rule.on_report and when.type not in self.feed_types:
            known = ", ".join(sorted(self.feed_types)) or "none: no installed connector has a feed"
            problems.append(f"type {when.type!r} is not gov.grid.event.reported or one of {known}")
        if (
            when.category
            and self.taxonomy.get(when.category) is None
            and not any(c.code.startswith(when.category + ".") for c in self.taxonomy)
        ):
            problems.append(f"category {when.category!r} is not in the taxonomy")
        if when.channel and not rule.on_report:
            problems.append("channel applies to reported events only")
        if when.within:
            try:
                level_of(when.within)
            except InvalidCodeError as error:
                problems.append(f"within: {error}")
        return problems

    def actions(self, rule: Rule) -> list[str]:
        then = rule.then
        problems = [
            f"unknown department {d!r}"
            for d in [then.lead, *then.co, *then.notify]
            if d is not None and d not in self.departments
        ]
        if not rule.on_report and (then.lead or then.co or then.in_grid is not None):
            problems.append("lead, co and in_grid apply to reported events only")
        if then.open is not None:
            problems += self.opening(rule, then.open)
        return problems

    def opening(self, rule: Rule, opening: Opening) -> list[str]:
        if rule.on_report:
            # Opening events from reports could loop (a report opening a report).
            return ["open applies to department feed events only"]
        category = self.taxonomy.get(opening.category)
        if category is None or not category.leaf:
            return [f"open: {opening.category!r} is not a leaf category of the taxonomy"]
        return []


class RulesFile:
    """The rules in force, and a watcher that swaps them when the configured file changes.

    The connectors' files are package data, read again with it on every reload."""

    def __init__(
        self,
        path: Path,
        taxonomy: Taxonomy,
        departments: Collection[str],
        feed_types: Collection[FeedType] = frozenset(),
        sources: Sequence[RuleSource] = (),
    ) -> None:
        self.path = path
        self.taxonomy = taxonomy
        self.departments = list(departments)
        self.feed_types = frozenset(feed_types)
        self.sources = tuple(sources)
        self.current = self._load()
        self._stamp = self._file_stamp()

    def _load(self) -> Rules:
        return Rules.load_all(
            self.path, self.sources, self.taxonomy, self.departments, self.feed_types
        )

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def reload(self) -> bool:
        """Load the file if it changed; True when new rules are in force."""
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            self.current = self._load()
        except RulesError as error:
            log.error("routing rules refused; the previous rules stay", extra={"error": str(error)})
            return False
        log.info("routing rules reloaded", extra={"rules": len(self.current.rules)})
        return True

    async def watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.reload()
