"""The police connector: the standard suite against the police simulator."""

from __future__ import annotations

from connectors.police import PoliceConnector, simulator
from connectors.sdk.testing import connector_test_class
from hub.paths import CONTRACTS_DIR

TestPolice = connector_test_class(
    PoliceConnector,
    simulator=simulator.create_app,
    credentials={"api_key": simulator.DEMO_API_KEY},
    examples=CONTRACTS_DIR / "upstream" / "police" / "examples",
)
