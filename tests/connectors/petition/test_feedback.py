"""Feedback to reporters through the hotline: the connector queues a call-back in the
12345 system, once however often the bus delivers it."""

from __future__ import annotations

from connectors.petition import PetitionConnector, simulator
from connectors.sdk import ConnectorSettings
from connectors.testing import served
from hub.core.personal import Personal
from hub.core.workorders import Feedback, FeedbackSink

FEEDBACK = Feedback(
    id="01JFEEDBACK000000000000001",
    event_id="01JEVENT000000000000000001",
    phone=Personal("13800000000"),
    message="您反映的“井盖缺失破损”已处理完毕，我们将安排回访，感谢您的监督。",
)


async def test_feedback_becomes_one_call_back_in_the_hotline() -> None:
    app = simulator.create_app()
    async with served(app) as upstream:
        settings = ConnectorSettings.model_validate(
            {
                "base_url": upstream.url,
                "credentials": {
                    "username": simulator.DEMO_USER,
                    "password": simulator.DEMO_PASSWORD,
                },
                "backoff_seconds": 0.0,
            }
        )
        connector = PetitionConnector(settings)
        assert isinstance(connector, FeedbackSink)
        try:
            await connector.send_feedback(FEEDBACK)
            await connector.send_feedback(FEEDBACK)  # a redelivery
        finally:
            await connector.aclose()
    callbacks = app.state.system.callbacks
    assert list(callbacks) == [FEEDBACK.id]
    assert callbacks[FEEDBACK.id]["externalNo"] == FEEDBACK.event_id
    assert callbacks[FEEDBACK.id]["phone"] == "13800000000"
    assert callbacks[FEEDBACK.id]["content"] == FEEDBACK.message
