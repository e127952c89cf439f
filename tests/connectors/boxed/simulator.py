"""A simulator of the test system: it refuses a list of sites without a bounding box,
and a list of alarms without a kind."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.sdk.simulation import (
    ApiKeyAuth,
    RecordNotFoundError,
    SimulatorError,
    SimulatorSettings,
    by_page,
    integer,
    simulator_app,
    time_param,
)

API_KEY = "boxed-test-key"
RECORDS = 45  # more than two pages of the connector's 20


class Errors:
    media_type = "application/json"

    def body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        return {"error": message}


@dataclass(frozen=True)
class Site:
    id: str
    kind: str
    status: str
    reported_at: datetime
    lat: float
    lon: float

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "title": f"site {self.id}",
            "reportedAt": self.reported_at.isoformat(),
            "lat": self.lat,
            "lon": self.lon,
        }


class BoxedSystem:
    def __init__(self, settings: SimulatorSettings) -> None:
        rng = random.Random(settings.seed)
        end = settings.history_end()
        self.sites = [_site(rng, f"S{n:03d}", end) for n in range(RECORDS)]
        self.alarms = [_site(rng, f"A{n:03d}", end) for n in range(RECORDS)]

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/sites", self.list_sites, methods=["GET"]),
            Route("/api/alarms", self.list_alarms, methods=["GET"]),
        ]

    def advance(self, record_id: str, target: str | None, note: str | None) -> list[str]:
        raise RecordNotFoundError(record_id)

    def progress(self, rng: random.Random) -> None:
        """The world stands still here."""

    async def list_sites(self, request: Request) -> Response:
        west, south, east, north = _bbox(request.query_params.get("bbox"))
        since = time_param(request, "since")
        page = integer(request, "page", 1, 1, 1_000_000)
        size = integer(request, "size", 20, 1, 100)
        found = [
            s
            for s in self.sites
            if west <= s.lon <= east
            and south <= s.lat <= north
            and (since is None or s.reported_at >= since)
        ]
        headers = {"X-Total-Count": str(len(found))}
        return JSONResponse([s.json() for s in by_page(found, page, size)], headers=headers)

    async def list_alarms(self, request: Request) -> Response:
        kind = request.query_params.get("kind")
        if not kind:
            raise SimulatorError(400, "kind is required")
        since = time_param(request, "since")
        offset = integer(request, "offset", 0, 0, 1_000_000)
        limit = integer(request, "limit", 20, 1, 100)
        found = [
            a
            for a in self.alarms
            if kind in ("all", a.kind) and (since is None or a.reported_at >= since)
        ]
        headers = {"X-Total-Count": str(len(found))}
        page = [a.json() for a in found[offset : offset + limit]]
        return JSONResponse({"alarms": page}, headers=headers)


def _bbox(raw: str | None) -> tuple[float, float, float, float]:
    if not raw:
        raise SimulatorError(400, "bbox is required")
    try:
        west, south, east, north = (float(part) for part in raw.split(","))
    except ValueError:
        raise SimulatorError(400, "bbox is minLon,minLat,maxLon,maxLat") from None
    return west, south, east, north


def _site(rng: random.Random, key: str, end: datetime) -> Site:
    return Site(
        id=key,
        kind=rng.choice(("FIRE", "SMOKE")),
        status=rng.choice(("OPEN", "RESOLVED")),
        reported_at=end - timedelta(minutes=rng.randrange(1, 3 * 24 * 60)),
        lat=30.30 + rng.random() / 50,
        lon=120.03 + rng.random() / 50,
    )


def create_app(settings: SimulatorSettings | None = None) -> Starlette:
    settings = settings or SimulatorSettings()
    auth = ApiKeyAuth({API_KEY: "grid-hub"}, header="X-Api-Key")
    return simulator_app(BoxedSystem(settings), auth=auth, style=Errors(), settings=settings)
