"""Grid events: their vocabulary and payloads, the taxonomy, intake, the ledger, the live stream."""

from hub.core.errors import OutsideGridsError, ReportRejectedError
from hub.events.filters import EventFilter
from hub.events.intake import Intake, Report, report_id
from hub.events.ledger_rows import GridEventRecord, OrderRecord, TimelineEntry
from hub.events.live import LiveEvents, LiveUpdate, SubscriberOverflowError, Subscription
from hub.events.projection import Projection
from hub.events.replay import replay
from hub.events.taxonomy import Category, Taxonomy, TaxonomyError
from hub.events.types import (
    Channel,
    DispatchType,
    Disposition,
    GridEventType,
    HandlingLevel,
    OrderRole,
    OriginKind,
    Severity,
    TimeUnit,
)

__all__ = [
    "Category",
    "Channel",
    "DispatchType",
    "Disposition",
    "EventFilter",
    "GridEventRecord",
    "GridEventType",
    "HandlingLevel",
    "Intake",
    "LiveEvents",
    "LiveUpdate",
    "OrderRecord",
    "OrderRole",
    "OriginKind",
    "OutsideGridsError",
    "Projection",
    "Report",
    "ReportRejectedError",
    "Severity",
    "SubscriberOverflowError",
    "Subscription",
    "Taxonomy",
    "TaxonomyError",
    "TimeUnit",
    "TimelineEntry",
    "replay",
    "report_id",
]
