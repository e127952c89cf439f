"""What the installed connectors add to the hub beside their graph fields.

A connector package declares its department (when the hub's departments.yaml lacks
it), its change feed's event types, routing rules on them, extra categories, and
whether its system calls reporters back. The hub gathers them once at start, from the
discovered classes, and hands them to the bus; nothing below names a connector.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from connectors.sdk import Connector, Department
from hub.core.departments import load_departments
from hub.core.feeds import FeedType
from hub.routing import RuleSource


class ContributionError(ValueError):
    """Connectors whose declarations cannot all hold at once."""


@dataclass(frozen=True, slots=True)
class Contributions:
    departments: tuple[Department, ...]  # the hub's, then those connectors add
    feed_types: frozenset[FeedType]
    rule_sources: tuple[RuleSource, ...]
    taxonomy_files: tuple[tuple[str, Path], ...]  # (how problems name it, its path)
    replies_by: str | None  # the department whose system calls reporters back

    @classmethod
    def of(
        cls,
        connectors: Iterable[type[Connector]],
        departments: Sequence[Department] | None = None,
    ) -> Contributions:
        classes = list(connectors)
        return cls(
            departments=_departments(classes, departments or load_departments()),
            feed_types=frozenset(t for c in classes for t in c.feed_types),
            rule_sources=tuple(
                RuleSource(c.routing_file, _label(c, c.routing_file), frozenset(c.feed_types))
                for c in classes
                if c.routing_file is not None
            ),
            taxonomy_files=tuple(
                (_label(c, c.taxonomy_file), c.taxonomy_file)
                for c in classes
                if c.taxonomy_file is not None
            ),
            replies_by=_replies_by(classes),
        )

    @property
    def department_codes(self) -> list[str]:
        return [d.code for d in self.departments]


def _label(connector: type[Connector], path: Path) -> str:
    return f"{connector.name}'s {path.name}"


def _departments(
    classes: Sequence[type[Connector]], known: Sequence[Department]
) -> tuple[Department, ...]:
    """The hub's departments, then each a connector declares that they lack; the hub's
    entry wins for a department both describe."""
    found = {d.code: d for d in known}
    for connector in classes:
        info = connector.department_info
        if info is None:
            continue
        if info.code != connector.department:
            raise ContributionError(
                f"connector {connector.name!r}: department_info describes {info.code!r}, "
                f"not its department {connector.department!r}"
            )
        found.setdefault(info.code, info)
    return tuple(found.values())


def _replies_by(classes: Sequence[type[Connector]]) -> str | None:
    calling = sorted({c.department for c in classes if c.calls_back_reporters})
    if len(calling) > 1:
        raise ContributionError(
            f"the systems of {', '.join(calling)} all call reporters back; one department may"
        )
    return calling[0] if calling else None
