"""The community-health connector: the standard suite against its simulator."""

from __future__ import annotations

from connectors.health import HealthConnector, simulator
from connectors.testing import WorkOrderCases, connector_test_class
from tests.connectors.orders import FAR_AWAY, order

TestHealth = connector_test_class(
    HealthConnector,
    simulator=simulator.create_app,
    credentials={"key_id": simulator.DEMO_KEY_ID, "secret": simulator.DEMO_KEY_SECRET},
    examples=HealthConnector.contract_file.parent / "examples",
    work_orders=WorkOrderCases(
        accepted=lambda event: order(event, "health", "livelihood.elderly_alone"),
        refused=lambda event: order(event, "health", "livelihood.elderly_alone", FAR_AWAY),
    ),
)
