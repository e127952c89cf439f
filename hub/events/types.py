"""The vocabulary of grid events: CloudEvent types and the enumerations payloads use."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class GridEventType(StrEnum):
    """Each step in the life of a grid event; the type names the step, the payload's
    ``status`` says where the event stands after it."""

    REPORTED = "gov.grid.event.reported"
    ROUTED = "gov.grid.event.routed"
    ACCEPTED = "gov.grid.event.accepted"
    PROGRESSED = "gov.grid.event.progressed"
    RESOLVED = "gov.grid.event.resolved"
    RETURNED = "gov.grid.event.returned"
    ESCALATED = "gov.grid.event.escalated"
    WARNED = "gov.grid.event.warned"  # nearing its deadline (临期预警)
    SUPERVISED = "gov.grid.event.supervised"  # overdue past the top level: 督办
    VERIFIED = "gov.grid.event.verified"
    RATED = "gov.grid.event.rated"
    CLOSED = "gov.grid.event.closed"
    MERGED = "gov.grid.event.merged"

    @property
    def step(self) -> str:
        """The last part, as GraphQL and the CLI show it: ``reported``, ``routed``…"""
        return self.value.rsplit(".", 1)[1]


class DispatchType(StrEnum):
    """What the router puts on ``dept.<department>.dispatch``."""

    WORK_ORDER = "gov.grid.workorder.requested"  # create an order in the department's system
    NOTICE = "gov.grid.notice.issued"  # for information: nothing to create or accept
    FEEDBACK = "gov.grid.feedback.requested"  # tell the reporter, through the hotline (12345)


class Channel(StrEnum):
    PATROL = "PATROL"  # a grid worker's daily patrol (巡查)
    HOTLINE = "HOTLINE"  # a citizen's call to 12345
    SENSOR = "SENSOR"  # an IoT sensor (water level, smoke, manhole cover)
    VIDEO = "VIDEO"  # video patrol (视频巡查)
    DEPARTMENT = "DEPARTMENT"  # opened by a routing rule from a department's record
    OPEN311 = "OPEN311"  # a civic app, through the Open311 GeoReport v2 API


class Severity(StrEnum):
    LOW = "LOW"  # 一般
    MEDIUM = "MEDIUM"  # 较大
    HIGH = "HIGH"  # 重大
    CRITICAL = "CRITICAL"  # 特别重大

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


class HandlingLevel(IntEnum):
    """Who handles an event first; escalation moves it up one level at a time."""

    GRID = 1
    COMMUNITY = 2
    STREET = 3
    DISTRICT = 4


class Disposition(StrEnum):
    IN_GRID = "IN_GRID"  # 小事不出格: the grid's own workers settle it
    SINGLE = "SINGLE"  # one department
    JOINT = "JOINT"  # a lead department and co-handlers (联办)


class OrderRole(StrEnum):
    LEAD = "LEAD"  # 主办
    CO = "CO"  # 协办


class TimeUnit(StrEnum):
    HOURS = "HOURS"  # clock hours, for emergencies that do not wait for Monday
    WORKING_HOURS = "WORKING_HOURS"
    WORKING_DAYS = "WORKING_DAYS"


class OriginKind(StrEnum):
    REPORT = "REPORT"  # reported through the hub (reportEvent, a sensor, the hotline)
    RULE = "RULE"  # opened by a routing rule from another event
