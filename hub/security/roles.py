"""The scope vocabulary and the roles that bundle scopes, read from ``contracts/security/``.

Roles are data, not code: a city changes what a grid worker may do by editing
``roles.yaml``. Everything is expanded here, once, into plain sets of scope strings,
so checking a scope on the hot path is one set lookup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.core.paths import ROLES_FILE, SCOPES_FILE

DEPARTMENT_SLOT = "<department>"
OWN_DEPARTMENT = "{department}"
EVERY_DEPARTMENT = "*"
REGISTRY = "registry"  # the grid registry's own people; not a department that takes events


class RoleError(ValueError):
    """A role that cannot be granted as asked: unknown, or missing its department."""


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    title: str
    scopes: tuple[str, ...]  # may hold {department}
    grid_scoped: bool = False
    root_fields: frozenset[str] | None = None  # None: any root field its scopes allow

    @property
    def needs_department(self) -> bool:
        return any(OWN_DEPARTMENT in scope for scope in self.scopes)


class Vocabulary:
    """Every scope that exists; ``pii:read:<department>`` once per department."""

    def __init__(self, patterns: Iterable[str], departments: Iterable[str]) -> None:
        codes = sorted({*departments, REGISTRY})
        self.departments = tuple(codes)
        self.scopes = frozenset(
            scope
            for pattern in patterns
            for scope in (
                [pattern.replace(DEPARTMENT_SLOT, code) for code in codes]
                if pattern.endswith(DEPARTMENT_SLOT)
                else [pattern]
            )
        )

    def __contains__(self, scope: object) -> bool:
        return scope in self.scopes

    def expand(self, scope: str, department: str | None) -> set[str]:
        """A role's scope as concrete scopes, for a principal of ``department``."""
        if OWN_DEPARTMENT in scope:
            if department is None:
                raise RoleError(f"{scope} needs the principal's department")
            scope = scope.replace(OWN_DEPARTMENT, department)
        if scope.endswith(":" + EVERY_DEPARTMENT):
            stem = scope[: -len(EVERY_DEPARTMENT)]
            return {stem + code for code in self.departments if stem + code in self.scopes}
        if scope not in self.scopes:
            raise RoleError(f"{scope} is not in the scope vocabulary")
        return {scope}


class Roles:
    def __init__(self, vocabulary: Vocabulary, roles: Iterable[Role]) -> None:
        self.vocabulary = vocabulary
        self.by_name = {role.name: role for role in roles}
        for role in self.by_name.values():  # a typo in roles.yaml fails at start
            for scope in role.scopes:
                vocabulary.expand(scope, vocabulary.departments[0])

    def scopes(self, names: Iterable[str], department: str | None = None) -> frozenset[str]:
        granted: set[str] = set()
        for name in names:
            for scope in self.get(name).scopes:
                granted |= self.vocabulary.expand(scope, department)
        return frozenset(granted)

    def get(self, name: str) -> Role:
        try:
            return self.by_name[name]
        except KeyError:
            raise RoleError(f"unknown role {name!r}; roles: {sorted(self.by_name)}") from None

    def grid_scoped(self, names: Iterable[str]) -> bool:
        return any(self.get(name).grid_scoped for name in names)

    def root_fields(self, names: Iterable[str]) -> frozenset[str] | None:
        """The root fields the roles together allow; None when one of them allows any.

        Like scopes, roles add up: a principal holding a limited role and an unlimited
        one is not limited.
        """
        limits = [self.get(name).root_fields for name in names]
        if not limits or None in limits:
            return None
        return frozenset().union(*(fields for fields in limits if fields is not None))

    def check_department(self, name: str, department: str | None) -> None:
        if department is not None and department not in self.vocabulary.departments:
            raise RoleError(f"unknown department {department!r}")
        if self.get(name).needs_department and department is None:
            raise RoleError(f"role {name} needs a department")


def load_roles(
    departments: Iterable[str], scopes_file: Path = SCOPES_FILE, roles_file: Path = ROLES_FILE
) -> Roles:
    patterns = [entry["scope"] for entry in _read(scopes_file)]
    vocabulary = Vocabulary(patterns, departments)
    roles = [
        Role(
            name=name,
            title=entry["title"],
            scopes=tuple(entry["scopes"]),
            grid_scoped=bool(entry.get("grid_scoped", False)),
            root_fields=frozenset(entry["root_fields"]) if "root_fields" in entry else None,
        )
        for name, entry in _read(roles_file).items()
    ]
    return Roles(vocabulary, roles)


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
