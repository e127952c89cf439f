"""A toy department system on the toolkit: the smallest simulator there is."""

from __future__ import annotations

import random
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.sdk.simulation import Course, RecordNotFoundError, SimulatorError

COURSE = Course({"open": ["doing"], "doing": ["done"]})


class ToyErrors:
    media_type = "application/json"

    def body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        return {"status": status, "error": message, **extra}


class Toy:
    def __init__(self) -> None:
        self.items = {"T-1": "open", "T-2": "done"}
        self.progressed = 0

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/items", self.list_items, methods=["GET"]),
            Route("/items/{id}", self.item, methods=["GET"]),
            Route("/echo", self.echo, methods=["POST"]),
        ]

    def advance(self, record_id: str, target: str | None, note: str | None) -> list[str]:
        if record_id not in self.items:
            raise RecordNotFoundError(record_id)
        steps = COURSE.path(self.items[record_id], target)
        self.items[record_id] = steps[-1]
        return steps

    def progress(self, rng: random.Random) -> None:
        self.progressed += 1

    async def list_items(self, _: Request) -> Response:
        return JSONResponse({"items": [{"id": k, "status": v} for k, v in self.items.items()]})

    async def item(self, request: Request) -> Response:
        found = self.items.get(request.path_params["id"])
        if found is None:
            raise SimulatorError(404, "no such item")
        return JSONResponse({"id": request.path_params["id"], "status": found})

    async def echo(self, request: Request) -> Response:
        return Response(await request.body(), media_type="application/octet-stream")
