"""A fake upstream system and its connector, for testing the SDK without a simulator."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from connectors.sdk import (
    TIMESTAMP,
    ApiKeyAuth,
    BreakerState,
    CircuitBreaker,
    Connector,
    ConnectorSettings,
    CursorPaginator,
    DepartmentGrids,
    Mapping,
    Stream,
    field,
)

HERE = Path(__file__).parent


@dataclass
class Item:
    id: str
    occurred_at: datetime
    area: str
    note: str | None


class Items(Stream):
    name = "items"
    operation = "listItems"
    records_path = "items"
    paginator = CursorPaginator(cursor_path="next", param="after")
    mapping = Mapping(
        Item,
        {
            "id": "id",
            "occurred_at": field("at", TIMESTAMP),
            "area": "area",
            "note": field("note", optional=True),
        },
    )
    area = DepartmentGrids("area")
    department_grid = "area"
    location = ("lat", "lon")
    item_operation = "getItem"


class FakeConnector(Connector):
    name = department = "fake"
    title = "A fake system"
    contract_file = HERE / "fake.openapi.yaml"
    streams = (Items,)

    def authenticate(self) -> httpx.Auth:
        return ApiKeyAuth(self.secret("api_key"))


def item(number: int, **changes: Any) -> dict[str, Any]:
    return {"id": f"i{number}", "at": "2026-09-01T08:00:00+08:00", "area": "A1", **changes}


Handler = (
    Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
)


def settings(**changes: Any) -> ConnectorSettings:
    base: dict[str, Any] = {
        "base_url": "http://fake.test",
        "credentials": {"api_key": "k-123"},
        "backoff_seconds": 0.0,
    }
    return ConnectorSettings.model_validate({**base, **changes})


def connector(handler: Handler, sleeps: list[float] | None = None, **changes: Any) -> FakeConnector:
    """The fake connector over ``handler``; waits between retries are recorded, not slept."""
    waited = sleeps if sleeps is not None else []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    transport = httpx.MockTransport(handler)
    return FakeConnector(settings(**changes), transport=transport, sleep=sleep)


def answer(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", **headers},
    )


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """The state now (a function, so type checkers do not carry one reading to the next)."""
    return breaker.state
