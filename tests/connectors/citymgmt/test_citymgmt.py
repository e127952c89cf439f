"""The city-management connector: the standard suite against its simulator."""

from __future__ import annotations

from connectors.citymgmt import CityManagementConnector, simulator
from connectors.testing import WorkOrderCases, connector_test_class
from tests.connectors.orders import FAR_AWAY, order

TestCityManagement = connector_test_class(
    CityManagementConnector,
    simulator=simulator.create_app,
    credentials={
        "client_id": simulator.DEMO_CLIENT_ID,
        "client_secret": simulator.DEMO_CLIENT_SECRET,
    },
    examples=CityManagementConnector.contract_file.parent / "examples",
    work_orders=WorkOrderCases(
        accepted=lambda event: order(event, "citymgmt", "city.litter"),
        refused=lambda event: order(event, "citymgmt", "city.litter", FAR_AWAY),
    ),
)
