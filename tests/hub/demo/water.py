"""A connector the hub does not ship, with a simulator, declared only through the SDK:
what ``hub demo``, the recorder and the test support must take like the built-ins."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, ClassVar

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.sdk import ApiKeyAuth, Connector, Mapping, PageNumberPaginator, Stream
from connectors.sdk.simulation import ApiKeyAuth as KeyCheck
from connectors.sdk.simulation import (
    FeatureCollection,
    Recorder,
    Simulated,
    SimulatorError,
    SimulatorSettings,
    by_page,
    integer,
    simulator_app,
)

DEMO_KEY = "water-demo-key"
DISTRICT = {"code": "W-1", "name": "the one water district"}


class Errors:
    media_type = "application/json"

    def body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        return {"error": message}


class WaterSystem:
    def __init__(self) -> None:
        self.leaks: list[dict[str, Any]] = [
            {"id": f"L{n}", "district": "W-1", "reporter": None} for n in range(1, 6)
        ]

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/leaks", self.list_leaks, methods=["GET"]),
            Route("/leaks/{id}", self.get_leak, methods=["GET"]),
            Route("/valves", self.close_valve, methods=["POST"]),
        ]

    def advance(self, record_id: str, target: str | None, note: str | None) -> list[str]:
        return []

    def progress(self, rng: random.Random) -> None:
        """Water leaks stay as they are."""

    async def list_leaks(self, request: Request) -> Response:
        page, size = integer(request, "page", 1, 1, 100), integer(request, "size", 20, 1, 100)
        headers = {
            "X-Total-Count": str(len(self.leaks)),
            "Link": f'</leaks?page={page + 1}&size={size}>; rel="next"',
            "X-Served-By": "water-sim",  # not in the contract: not recorded
        }
        return JSONResponse(by_page(self.leaks, page, size), headers=headers)

    async def get_leak(self, request: Request) -> Response:
        found = [leak for leak in self.leaks if leak["id"] == request.path_params["id"]]
        if not found:
            raise SimulatorError(404, "no such leak")
        return JSONResponse(found[0])

    async def close_valve(self, request: Request) -> Response:
        return JSONResponse({}, status_code=202, headers={"Location": "/valves/V1"})


def create_app(settings: SimulatorSettings, *, town: FeatureCollection) -> Starlette:
    auth = KeyCheck({DEMO_KEY: "grid-hub"})
    return simulator_app(WaterSystem(), auth=auth, style=Errors(), settings=settings)


def districts(town: FeatureCollection, seed: int) -> FeatureCollection:
    return {"type": "FeatureCollection", "features": [], "seed": seed, **DISTRICT}


SEEDED: list[tuple[str, float, float]] = []


def seed_personal(app: Starlette, grid: str, lat: float, lon: float) -> None:
    SEEDED.append((grid, lat, lon))


async def close_a_valve(record: Recorder) -> None:
    await record("close-valve", "a valve closed on the hub's word", "POST", "/valves", json_body={})


SIMULATED = Simulated(
    create_app=create_app,
    credentials={"api_key": DEMO_KEY},
    grid_scheme=districts,
    seed_personal=seed_personal,
    record=close_a_valve,
)
NOT_SIMULATED = object()


class Leaks(Stream):
    name = "leaks"
    operation = "listLeaks"
    item_operation = "getLeak"
    records_path = ""
    paginator = PageNumberPaginator(size=50)
    mapping = Mapping(dict, {"id": "id"})


class WaterConnector(Connector):
    name = department = "water"
    title = "a water utility"
    contract_file = Path(__file__).with_name("water.openapi.yaml")
    streams = (Leaks,)
    grid_scheme = "water-districts"
    simulator: ClassVar[str | None] = f"{__name__}:SIMULATED"

    def authenticate(self) -> httpx.Auth:
        return ApiKeyAuth(self.secret("api_key"))


class Unsimulated(WaterConnector):
    name = "unsimulated"
    simulator = None


class Misdeclared(WaterConnector):
    name = "misdeclared"
    simulator = f"{__name__}:NOT_SIMULATED"
