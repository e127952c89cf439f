"""A hub whose Kafka broker does not answer: it takes reports into the outbox, and
/readyz says the bus is degraded (not "ok") within seconds, while the hub stays ready."""

from __future__ import annotations

import httpx
import pytest

from hub.bus import BackendKind, KafkaSettings
from hub.config import Settings
from tests.conftest import running
from tests.hub.bus.test_outbox import closed_port
from tests.support.buses import fresh_topics
from tests.support.events import bus_settings, eventually, outbox_events
from tests.support.principals import bearer
from tests.support.reporting import report_body

pytestmark = pytest.mark.integration


async def test_readiness_says_the_bus_is_degraded_while_the_broker_is_away(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    away = KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port()}")
    bus = bus_settings(fresh_topics(), backend=BackendKind.KAFKA, kafka=away)
    settings = town_settings.model_copy(update={"bus": bus, "log_level": "WARNING"})
    async with running(settings) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            answer = await http.post(
                "/graphql",
                json=report_body(),
                headers=bearer(keys["command"]),
            )
            assert answer.json()["data"]["reportEvent"]["status"] == "REPORTED"

            async def degraded() -> bool:
                ready = (await http.get("/readyz")).json()
                return bool(ready["bus"].startswith("degraded: broker unreachable"))

            await eventually(degraded, within=10)
            ready = await http.get("/readyz")
            assert ready.status_code == 200  # reporting still works: the outbox keeps them
            assert len(await outbox_events(app.state.services.database)) >= 1
            metrics = app.state.services.metrics
            assert metrics.registry.get_sample_value("hub_bus_broker_up") == 0
