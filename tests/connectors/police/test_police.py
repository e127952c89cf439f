"""The police connector: the standard suite against the police simulator."""

from __future__ import annotations

from connectors.police import PoliceConnector, simulator
from connectors.testing import WorkOrderCases, connector_test_class
from tests.connectors.orders import FAR_AWAY, order

TestPolice = connector_test_class(
    PoliceConnector,
    simulator=simulator.create_app,
    credentials={"api_key": simulator.DEMO_API_KEY},
    examples=PoliceConnector.contract_file.parent / "examples",
    work_orders=WorkOrderCases(
        accepted=lambda event: order(event, "police", "security.fraud"),
        refused=lambda event: order(event, "police", "security.fraud", FAR_AWAY),
    ),
)
