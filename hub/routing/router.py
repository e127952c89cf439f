"""The router: reads ``grid.events`` and decides who handles what.

- ``reported``: the category's departments, changed by the rules; emits ``routed``
  and a work order per handling department (or, to settle it in the grid, one to the
  command centre for the grid's own workers), plus notices;
- ``returned`` by a lead department: reassigns it (退单/改派) to the next candidate;
- a department feed event: the rules may fan it out, with notices to departments or
  to the affected grids' workers, and by opening new grid events (reported here,
  routed when they come round like any other report).

Output ids derive from the input's id, so a redelivered input yields the same events.
An event a rule opens is reported when the hub read the department's record (the
event's ``recordedtime``), not when the record began: its time limit runs from when
the grid could know of it, so a feed's first read, which takes in the system's open
records, opens no task already overdue. Its id is in that millisecond, as a report's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from hub.bus import CloudEvent, Message, PoisonMessageError, Topics, derived_id, stable_id
from hub.core.feeds import type_values
from hub.core.workorders import LifecycleStatus
from hub.events import (
    Category,
    Channel,
    DispatchType,
    GridEventType,
    OrderRole,
    OriginKind,
    Severity,
    Taxonomy,
)
from hub.events.payloads import (
    DepartmentRecord,
    NoticeIssued,
    Origin,
    Reported,
    Returned,
    Routed,
    TimeLimit,
    WorkOrderRequested,
)
from hub.events.severity import SeverityRules
from hub.routing.decide import COMMAND, Facts, Route, matches, reassign, route_report
from hub.routing.rules import Rule, RulesFile

SOURCE = "/hub/router"
# When a time limit runs out, from a start: the working calendar's (hub.timers).
Deadline = Callable[[datetime, TimeLimit], datetime | None]


class Router:
    def __init__(
        self,
        taxonomy: Taxonomy,
        rules: RulesFile,
        topics: Topics,
        deadline: Deadline,
        severities: SeverityRules | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.severities = severities or SeverityRules({})
        self.rules = rules
        self.topics = topics
        self.deadline = deadline
        # The department feed types the installed connectors publish, as the rules know them.
        self.feed_types = type_values(rules.feed_types)
        self.takes = frozenset({GridEventType.REPORTED, GridEventType.RETURNED, *self.feed_types})

    async def handle(self, event: CloudEvent) -> list[Message]:
        if event.type == GridEventType.REPORTED:
            return self.route(event, event.payload(Reported))
        if event.type == GridEventType.RETURNED:
            return self.reassign(event, event.payload(Returned))
        if event.type in self.feed_types:
            return self.fan_out(event, event.payload(DepartmentRecord))
        return []

    def _category(self, code: str) -> Category:
        category = self.taxonomy.get(code)
        if category is None:
            raise PoisonMessageError(f"category {code!r} is not in the taxonomy")
        return category

    # -- reported ----------------------------------------------------------------------

    def route(self, event: CloudEvent, report: Reported) -> list[Message]:
        category = self._category(report.category)
        facts = Facts(report.category, report.severity, event.gridid, report.channel)
        rules = self.rules.current.for_type(GridEventType.REPORTED)
        route = route_report(
            category, facts, rules, opened_by_rule=report.origin.kind is OriginKind.RULE
        )
        deadline = self.deadline(event.time, report.time_limit)
        told = self.severities[report.severity].notify  # 分级响应: told at once
        route = replace(route, notified=tuple(dict.fromkeys([*route.notified, *told])))
        routed = Routed(
            event_id=report.event_id,
            status=LifecycleStatus.ROUTED,
            category=report.category,
            severity=report.severity,
            departments=route.departments,
            disposition=route.disposition,
            lead=route.lead,
            co_handlers=list(route.co),
            notified=list(route.notified),
            time_limit=report.time_limit,
            deadline=deadline,
            rules=list(route.rules),
        )
        orders = [
            self._order(event, report, route, department, deadline)
            for department in route.departments
        ]
        notice = NoticeIssued(
            department=COMMAND,
            title=report.title,
            message=report.description,
            event_id=report.event_id,
            caused_by=event.id,
            rule=", ".join(route.rules) or None,
        )
        notices = self._notices(event, route.notified, notice)
        return [self._step(event, "routed", routed), *orders, *notices]

    def _order(
        self,
        event: CloudEvent,
        report: Reported,
        route: Route,
        department: str,
        deadline: datetime | None,
    ) -> Message:
        order = WorkOrderRequested(
            event_id=report.event_id,
            department=department,
            role=OrderRole.LEAD if department == route.lead else OrderRole.CO,
            lead=route.lead,
            disposition=route.disposition,
            category=report.category,
            severity=report.severity,
            title=report.title,
            description=report.description,
            place=report.place,
            micro_grid=report.micro_grid,
            reporter=report.reporter,
            photos=report.photos,
            time_limit=report.time_limit,
            deadline=deadline,
            co_handlers=list(route.co),
        )
        return self._dispatch(event, f"order:{department}", order, report.event_id)

    # -- returned ----------------------------------------------------------------------

    def reassign(self, event: CloudEvent, returned: Returned) -> list[Message]:
        if returned.role is not OrderRole.LEAD:
            return []  # a co-handler's refusal leaves the lead in charge
        order = returned.order
        lead = reassign(self._category(order.category), order.co_handlers, returned.refused_by)
        co = [d for d in order.co_handlers if d != lead]
        routed = Routed(
            event_id=returned.event_id,
            status=LifecycleStatus.ROUTED,
            category=order.category,
            severity=order.severity,
            departments=[lead, *co],
            disposition=order.disposition,
            lead=lead,
            co_handlers=co,
            time_limit=order.time_limit,
            deadline=order.deadline,
            refused_by=returned.refused_by,
            note=f"改派: {returned.department} 退单 ({returned.reason})",
        )
        new_order = order.model_copy(
            update={
                "department": lead,
                "role": OrderRole.LEAD,
                "lead": lead,
                "co_handlers": co,
                "refused_by": returned.refused_by,
            }
        )
        return [
            self._step(event, "routed", routed),
            self._dispatch(event, f"order:{lead}", new_order, returned.event_id),
        ]

    # -- department feeds --------------------------------------------------------------

    def fan_out(self, event: CloudEvent, record: DepartmentRecord) -> list[Message]:
        facts = Facts(record.category or "", self._severity(record), event.gridid)
        outputs: list[Message] = []
        for rule in self.rules.current.for_type(event.type):
            if not matches(rule.when, facts):
                continue
            notice = NoticeIssued(
                department=COMMAND,
                title=record.title or rule.name,
                message=rule.description or record.description,
                event_id=record.event_id,
                caused_by=event.id,
                rule=rule.name,
            )
            outputs += self._notices(event, rule.then.notify, notice)
            if rule.then.notify_grids:
                outputs += self._grid_notices(event, record.grids or [event.gridid], notice)
            if rule.then.open is not None:
                outputs.append(self._open(event, record, rule))
        return outputs

    def _severity(self, record: DepartmentRecord) -> Severity:
        category = self.taxonomy.get(record.category or "")
        return category.severity if category else Severity.LOW

    def _open(self, event: CloudEvent, record: DepartmentRecord, rule: Rule) -> Message:
        assert rule.then.open is not None  # the caller checked
        category = self._category(rule.then.open.category)
        opened_at = event.recordedtime or event.time
        event_id = stable_id(opened_at, f"{event.id}/open:{rule.name}")  # redelivered: same id
        report = Reported(
            event_id=event_id,
            status=LifecycleStatus.REPORTED,
            category=category.code,
            severity=category.severity,
            title=rule.then.open.title or category.name,
            description=f"{record.title}\n{record.description}".strip() or category.name,
            channel=Channel.DEPARTMENT,
            place=record.place,
            reported_at=opened_at,
            level=category.level,
            time_limit=category.time_limit,
            origin=Origin(
                kind=OriginKind.RULE, rule=rule.name, caused_by=event.id, upstream=record.upstream
            ),
        )
        opened = CloudEvent.of(
            GridEventType.REPORTED,
            SOURCE,
            event.gridid,
            report,
            subject=event_id,
            id_=event_id,
            time=opened_at,
        )
        return opened.message(self.topics.grid_events)

    def _grid_notices(
        self, event: CloudEvent, grids: list[str], notice: NoticeIssued
    ) -> list[Message]:
        """To the workers of each grid: the command centre's grid-worker app takes them."""
        return [
            CloudEvent.of(
                DispatchType.NOTICE,
                SOURCE,
                grid,
                notice,
                subject=notice.event_id,
                id_=derived_id(event.id, f"grid:{notice.rule}:{grid}"),
            ).message(self.topics.dispatch(COMMAND))
            for grid in grids
        ]

    # -- shared ------------------------------------------------------------------------

    def _notices(
        self, event: CloudEvent, departments: tuple[str, ...], notice: NoticeIssued
    ) -> list[Message]:
        return [
            self._dispatch(
                event,
                f"notice:{department}",
                notice.model_copy(update={"department": department}),
                notice.event_id,
            )
            for department in departments
        ]

    def _dispatch(
        self,
        event: CloudEvent,
        salt: str,
        item: WorkOrderRequested | NoticeIssued,
        subject: str | None,
    ) -> Message:
        kind = (
            DispatchType.WORK_ORDER if isinstance(item, WorkOrderRequested) else DispatchType.NOTICE
        )
        item_event = CloudEvent.of(
            kind, SOURCE, event.gridid, item, subject=subject, id_=derived_id(event.id, salt)
        )
        return item_event.message(self.topics.dispatch(item.department))

    def _step(self, event: CloudEvent, salt: str, step: Routed) -> Message:
        routed = CloudEvent.of(
            GridEventType.ROUTED,
            SOURCE,
            event.gridid,
            step,
            subject=step.event_id,
            id_=derived_id(event.id, salt),
        )
        return routed.message(self.topics.grid_events)
