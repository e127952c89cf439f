"""The 12345 hotline connector: the standard suite against its simulator."""

from __future__ import annotations

from connectors.petition import PetitionConnector, simulator
from connectors.testing import WorkOrderCases, connector_test_class
from tests.connectors.orders import FAR_AWAY, OneCommunity, order

TestPetition = connector_test_class(
    PetitionConnector,
    simulator=simulator.create_app,
    credentials={"username": simulator.DEMO_USER, "password": simulator.DEMO_PASSWORD},
    examples=PetitionConnector.contract_file.parent / "examples",
    work_orders=WorkOrderCases(
        accepted=lambda event: order(event, "petition", "environment.noise"),
        refused=lambda event: order(event, "petition", "environment.noise", FAR_AWAY),
        scheme=OneCommunity(),
    ),
)
