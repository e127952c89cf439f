"""The category tree (``contracts/taxonomy/categories.yaml``), checked completely at start.

A group's settings pass down to its children unless a child sets its own, so the
file says each thing once. Every problem in the file is reported, each with the
category it is in, before the hub refuses to start.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.events.payloads import TimeLimit
from hub.events.types import HandlingLevel, Severity, TimeUnit

_SEGMENT = re.compile(r"^[a-z][a-z0-9_]*$")
_UNITS = {
    "hours": TimeUnit.HOURS,
    "working_hours": TimeUnit.WORKING_HOURS,
    "working_days": TimeUnit.WORKING_DAYS,
}


class TaxonomyError(ValueError):
    """The taxonomy file has problems; the message lists every one."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{lines}")


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    path: tuple[str, ...]  # names from the top group down to this one
    lead: str
    co: tuple[str, ...]
    time_limit: TimeLimit
    level: HandlingLevel
    severity: Severity
    in_grid: bool
    reportable: bool
    leaf: bool


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str = Field(min_length=1)
    lead: str | None = None
    co: list[str] | None = None
    time_limit: dict[str, int] | None = None
    level: int | None = Field(default=None, ge=1, le=4)
    severity: Severity | None = None
    in_grid: bool | None = None
    reportable: bool | None = None
    children: list[_Node] = Field(default_factory=list)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=1)
    categories: list[_Node] = Field(min_length=1)


_DEFAULTS: dict[str, Any] = {
    "co": [],
    "level": 1,
    "severity": Severity.LOW,
    "in_grid": False,
    "reportable": True,
}
_INHERITED = ("lead", "co", "time_limit", "level", "severity", "in_grid", "reportable")


class Taxonomy:
    def __init__(self, categories: dict[str, Category]) -> None:
        self.categories = categories

    def __len__(self) -> int:
        return len(self.categories)

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories.values())

    def get(self, code: str) -> Category | None:
        return self.categories.get(code)

    @classmethod
    def load(cls, path: Path, departments: Collection[str]) -> Taxonomy:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise TaxonomyError(str(path), [f"cannot read the file: {error}"]) from error
        return cls.parse(raw, departments, source=path.name)

    @classmethod
    def load_all(
        cls, path: Path, extra: Sequence[tuple[str, Path]], departments: Collection[str]
    ) -> Taxonomy:
        """The configured file's categories and the groups connectors add, each file
        checked on its own (``extra``: how problems name a file, and its path); a code in
        two files is an error naming both."""
        problems: list[str] = []
        found: list[tuple[str, Taxonomy]] = []
        for label, file in [(path.name, path), *extra]:
            try:
                found.append((label, cls.load(file, departments)))
            except TaxonomyError as error:
                problems += [f"{label}: {problem}" for problem in error.problems]
        owner: dict[str, str] = {}
        for label, taxonomy in found:
            for code in taxonomy.categories:
                if code in owner:
                    problems.append(f"{code}: the category is in {owner[code]} and in {label}")
                owner.setdefault(code, label)
        if problems:
            raise TaxonomyError("taxonomy", problems)
        return cls({c.code: c for _, taxonomy in found for c in taxonomy})

    @classmethod
    def parse(cls, raw: Any, departments: Collection[str], source: str = "taxonomy") -> Taxonomy:
        try:
            document = _File.model_validate(raw)
        except ValidationError as error:
            problems = [f"{_where(e['loc'])}: {e['msg']}" for e in error.errors()]
            raise TaxonomyError(source, problems) from error
        walk = _Walk(set(departments))
        for node in document.categories:
            walk.visit(node, parent=None, inherited=dict(_DEFAULTS), path=())
        if walk.problems:
            raise TaxonomyError(source, walk.problems)
        return cls(walk.found)


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(file)"


class _Walk:
    def __init__(self, departments: set[str]) -> None:
        self.departments = departments
        self.found: dict[str, Category] = {}
        self.problems: list[str] = []

    def visit(
        self, node: _Node, parent: str | None, inherited: dict[str, Any], path: tuple[str, ...]
    ) -> None:
        self._check_code(node.code, parent)
        settings = {**inherited, **node.model_dump(include=set(_INHERITED), exclude_none=True)}
        path = (*path, node.name)
        category = self._category(node, settings, path)
        if category is not None:
            self.found[node.code] = category
        for child in node.children:
            self.visit(child, node.code, settings, path)

    def _check_code(self, code: str, parent: str | None) -> None:
        *head, last = code.split(".")
        expected = parent.split(".") if parent else []
        if head != expected or not _SEGMENT.match(last):
            shape = f"{parent}.<segment>" if parent else "<segment>"
            self.problems.append(f"{code}: the code must be {shape}, segments in [a-z0-9_]")
        if code in self.found:
            self.problems.append(f"{code}: the code appears twice")

    def _category(
        self, node: _Node, settings: dict[str, Any], path: tuple[str, ...]
    ) -> Category | None:
        before = len(self.problems)
        lead = settings.get("lead")
        if node.children and (lead is None or settings.get("time_limit") is None):
            return None  # a group without settings of its own: its leaves must have them
        co = settings["co"]
        self._check_departments(node.code, lead, co)
        limit = self._time_limit(node.code, settings.get("time_limit"))
        if len(self.problems) > before or lead is None or limit is None:
            return None
        return Category(
            code=node.code,
            name=node.name,
            path=path,
            lead=lead,
            co=tuple(co),
            time_limit=limit,
            level=HandlingLevel(settings["level"]),
            severity=settings["severity"],
            in_grid=settings["in_grid"],
            reportable=settings["reportable"],
            leaf=not node.children,
        )

    def _check_departments(self, code: str, lead: str | None, co: list[str]) -> None:
        if lead is None:
            self.problems.append(f"{code}: no lead department (set lead here or on a group)")
        for department in [lead, *co]:
            if department is not None and department not in self.departments:
                known = ", ".join(sorted(self.departments))
                self.problems.append(f"{code}: unknown department {department!r} (known: {known})")
        if lead in co:
            self.problems.append(f"{code}: the lead {lead!r} is also a co-handler")
        if len(set(co)) != len(co):
            self.problems.append(f"{code}: a co-handler is listed twice")

    def _time_limit(self, code: str, raw: dict[str, int] | None) -> TimeLimit | None:
        if raw is None:
            self.problems.append(f"{code}: no time_limit (set it here or on a group)")
            return None
        limit = time_limit_of(raw)
        if limit is None:
            self.problems.append(f"{code}: {TIME_LIMIT_FORM}")
        return limit


TIME_LIMIT_FORM = f"time_limit must be one of {', '.join(_UNITS)}: a positive number"


def time_limit_of(raw: object) -> TimeLimit | None:
    """``{working_hours: 4}`` as a TimeLimit; None when it is not one unit and a
    positive whole number."""
    if not isinstance(raw, dict) or len(raw) != 1:
        return None
    ((unit, value),) = raw.items()
    if unit not in _UNITS or not isinstance(value, int) or value <= 0:
        return None
    return TimeLimit(value=value, unit=_UNITS[unit])
