"""One filter for grid events, whether they are read from the ledger or from the stream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, Text, and_, cast, or_

from hub.core.workorders import LifecycleStatus
from hub.db.bus_models import GridEventRow
from hub.events.types import Severity


class Summary(Protocol):
    """What a filter looks at: a ledger record and a stream update both have it."""

    @property
    def grid_code(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    @property
    def status(self) -> LifecycleStatus: ...

    @property
    def departments(self) -> Sequence[str]: ...

    @property
    def level(self) -> int | None:
        """The handling level (1 grid … 4 district) it stands at or is brought to."""
        ...


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Every given part must hold; a part that lists several values holds if one does.

    ``within`` is a region code: a community's code takes in all its grids.
    ``categories`` are codes or group codes (``city`` takes in ``city.litter``).
    ``levels`` are handling levels: in the ledger, events handled at one of them now; on
    the stream, the steps that bring an event to one of them (its report, an escalation),
    so a street's supervisor follows what reaches the street.
    """

    within: str | None = None
    departments: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[LifecycleStatus, ...] = ()
    severities: tuple[Severity, ...] = ()
    levels: tuple[int, ...] = ()

    def matches(self, event: Summary) -> bool:
        return (
            (self.within is None or event.grid_code.startswith(self.within))
            and (not self.departments or any(d in self.departments for d in event.departments))
            and (
                not self.categories or any(_in_category(event.category, c) for c in self.categories)
            )
            and (not self.statuses or event.status in self.statuses)
            and (not self.severities or event.severity in self.severities)
            and (not self.levels or event.level in self.levels)
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        """The same filter as SQL over the ledger."""
        row = GridEventRow
        found: list[ColumnElement[bool]] = []
        if self.within:  # codes are prefixes of their descendants': a range scan
            found += [row.grid_code >= self.within, row.grid_code < self.within + ":"]
        if self.departments:
            # co_departments is a JSON list; its text form has each code in quotes.
            co = [cast(row.co_departments, Text).like(f'%"{d}"%') for d in self.departments]
            found.append(or_(row.lead_department.in_(self.departments), *co))
        if self.categories:
            found.append(
                or_(
                    *(
                        or_(row.category == c, and_(row.category > c + ".", row.category < c + "/"))
                        for c in self.categories
                    )
                )
            )
        if self.statuses:
            found.append(row.status.in_([s.value for s in self.statuses]))
        if self.severities:
            found.append(row.severity.in_([s.value for s in self.severities]))
        if self.levels:
            found.append(row.level.in_(self.levels))
        return found


def _in_category(code: str, wanted: str) -> bool:
    return code == wanted or code.startswith(wanted + ".")
