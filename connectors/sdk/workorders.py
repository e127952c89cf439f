"""What every connector's ``WorkOrderSink`` shares: its reference and its refusal."""

from __future__ import annotations

from connectors.sdk.connector import Connector
from hub.core.workorders import UpstreamRef, WorkOrderRefusedError


def work_order_ref(connector: Connector, upstream_id: str) -> UpstreamRef:
    return UpstreamRef(system=connector.name, id=upstream_id)


def refused(reason: str, message: str) -> WorkOrderRefusedError:
    """The department's refusal (退单): its reason code and its own words."""
    return WorkOrderRefusedError(f"{reason}: {message}")
