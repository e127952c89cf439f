"""The standard suite holds for a connector whose first stream answers nothing without
an area: its checks ask with what the area model asks for everywhere, or read the
stream the connector names."""

from __future__ import annotations

from pathlib import Path

from connectors.testing import connector_test_class
from tests.connectors.boxed import simulator
from tests.connectors.boxed.connector import BoxedConnector

HERE = Path(__file__).parent

TestBoxed = connector_test_class(
    BoxedConnector,
    simulator=simulator.create_app,
    credentials={"api_key": simulator.API_KEY},
    examples=HERE / "examples",
)

TestBoxedOnItsAlarms = connector_test_class(
    BoxedConnector,
    simulator=simulator.create_app,
    credentials={"api_key": simulator.API_KEY},
    examples=HERE / "examples",
    checked_stream="alarms",
    stream_params={"alarms": {"kind": "SMOKE"}},
)
