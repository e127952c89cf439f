"""Services and their definitions, generated once from the taxonomy.

Every reportable leaf category is a service; its code is the category code. Each has
one optional attribute, ``severity``, a single-value list whose default is the
category's own severity, so ``metadata`` is true throughout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.core.departments import Department
from hub.events import Category, Severity, Taxonomy, TimeUnit
from hub.events.payloads import TimeLimit

SEVERITY_NAMES = {
    Severity.LOW: "一般 (minor)",
    Severity.MEDIUM: "较大 (serious)",
    Severity.HIGH: "重大 (major)",
    Severity.CRITICAL: "特别重大 (critical)",
}
_UNIT_WORDS = {
    TimeUnit.HOURS: "hours",
    TimeUnit.WORKING_HOURS: "working hours",
    TimeUnit.WORKING_DAYS: "working days",
}


def time_limit_text(limit: TimeLimit) -> str:
    """``4 working hours``, ``1 hour``: how long handling may take."""
    words = _UNIT_WORDS[limit.unit]
    return f"{limit.value} {words.removesuffix('s') if limit.value == 1 else words}"


@dataclass(frozen=True, slots=True)
class Catalog:
    services: list[dict[str, Any]]
    definitions: dict[str, dict[str, Any]]
    categories: dict[str, Category]

    @classmethod
    def build(cls, taxonomy: Taxonomy, departments: Mapping[str, Department]) -> Catalog:
        offered = [c for c in taxonomy if c.leaf and c.reportable]
        return cls(
            services=[_service(c, departments[c.lead]) for c in offered],
            definitions={c.code: _definition(c) for c in offered},
            categories={c.code: c for c in offered},
        )

    def category(self, service_code: str) -> Category | None:
        return self.categories.get(service_code)


def _service(category: Category, lead: Department) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": (
            f"{' › '.join(category.path)}: handled by {lead.name} ({lead.english_name}) "
            f"within {time_limit_text(category.time_limit)}."
        ),
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join([*category.path, category.code, lead.name]),
        "group": category.path[0],
    }


def _definition(category: Category) -> dict[str, Any]:
    severity = {
        "variable": True,
        "code": "severity",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": (
            f"One of {', '.join(Severity)}; {category.severity.value} when not given."
        ),
        "order": 1,
        "description": "How serious it is.",
        "values": [{"key": s.value, "name": name} for s, name in SEVERITY_NAMES.items()],
    }
    return {"service_code": category.code, "attributes": [severity]}
