"""Two hub replicas behind a load balancer: a report made on one reaches a subscriber of
the other, since each replica reads grid.events itself."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.app import create_app
from hub.bus import BackendKind
from hub.config import Settings
from tests.support.buses import fresh_topics, kafka_backend, kafka_settings
from tests.support.events import INSIDE, bus_settings, eventually
from tests.support.principals import context_for

pytestmark = pytest.mark.integration

REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"""
SUBSCRIBE = "subscription { gridEvents { step eventId } }"


async def two_steps(stream: Any) -> list[tuple[str, str]]:
    steps = []
    async for update in stream:
        steps.append((update.data["gridEvents"]["step"], update.data["gridEvents"]["eventId"]))
        if len(steps) == 2:
            break
    return steps


@pytest.mark.parametrize("backend", ["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
async def test_a_report_on_one_replica_reaches_a_subscriber_of_the_other(
    town_settings: Settings, backend: str, keys: dict[str, str]
) -> None:
    topics = fresh_topics()
    overrides: dict[str, Any] = {}
    if backend == "kafka":
        async with kafka_backend():
            pass
        overrides = {"backend": BackendKind.KAFKA, "kafka": kafka_settings()}
    one = create_app(
        town_settings.model_copy(update={"bus": bus_settings(topics, instance_id="a", **overrides)})
    )
    other = create_app(
        town_settings.model_copy(update={"bus": bus_settings(topics, instance_id="b", **overrides)})
    )
    async with one.router.lifespan_context(one), other.router.lifespan_context(other):
        services = other.state.services
        await asyncio.wait_for(services.bus.live.ready.wait(), 30)
        watcher = await context_for(services, keys["command"])
        stream = await other.state.schema.subscribe(SUBSCRIBE, context_value=watcher)
        # A subscription joins the replica's fan-out when it is first read, so read it
        # before reporting.
        first_two = asyncio.create_task(two_steps(stream))
        await eventually(lambda: len(services.bus.live.subscribers) == 1)
        lat, lon = INSIDE
        variables = {
            "i": {
                "category": "city.litter",
                "description": "垃圾",
                "channel": "PATROL",
                "location": {"lat": lat, "lon": lon},
            }
        }
        result = await one.state.schema.execute(
            REPORT,
            variable_values=variables,
            context_value=await context_for(one.state.services, keys["command"]),
        )
        event_id = result.data["reportEvent"]["id"]
        steps = await asyncio.wait_for(first_two, 30)
    assert steps == [("REPORTED", event_id), ("ROUTED", event_id)]
