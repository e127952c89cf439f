"""Department systems on the bus: work orders in through sinks, changes out through feeds."""

from hub.dispatch.feeds import FeedPoller
from hub.dispatch.handler import Dispatcher, work_order
from hub.dispatch.links import DepartmentLinks, FeedSpec, LinkError

__all__ = ["DepartmentLinks", "Dispatcher", "FeedPoller", "FeedSpec", "LinkError", "work_order"]
