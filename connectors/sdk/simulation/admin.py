"""``/_admin``: the controls tests, benches and the demo use (see the admin contract)."""

from __future__ import annotations

import hmac
import json
from typing import Any, Protocol

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.sdk.simulation.faults import Faults
from connectors.sdk.simulation.middleware import Controls


class RecordNotFoundError(KeyError):
    """No record has the id given."""


class CannotAdvanceError(ValueError):
    """The record is final, or the target status lies off its course."""


class Advancing(Protocol):
    def advance(self, record_id: str, target: str | None, note: str | None) -> list[str]:
        """Move a record one step, or every step up to ``target``; the statuses passed.

        Raises RecordNotFoundError or CannotAdvanceError.
        """
        ...


def admin_routes(controls: Controls, system: Advancing, token: str) -> list[BaseRoute]:
    admin = _Admin(controls, system, token)
    return [
        Route("/_admin/faults", admin.faults, methods=["GET", "POST", "DELETE"]),
        Route("/_admin/stats", admin.stats, methods=["GET"]),
        Route("/_admin/stats/reset", admin.reset, methods=["POST"]),
        Route("/_admin/advance/{id}", admin.advance, methods=["POST"]),
    ]


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status)


class _Admin:
    def __init__(self, controls: Controls, system: Advancing, token: str) -> None:
        self.controls = controls
        self.system = system
        self.token = token

    def _refused(self, request: Request) -> Response | None:
        given = request.headers.get("X-Admin-Token", "")
        if hmac.compare_digest(given.encode(), self.token.encode()):
            return None
        return _error(401, "missing or wrong X-Admin-Token")

    async def faults(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        switch = self.controls.switch
        if request.method == "DELETE":
            switch.clear()
            return Response(status_code=204)
        if request.method == "POST":
            try:
                switch.set(Faults.model_validate_json(await request.body()))
            except ValidationError as error:
                return _error(400, f"bad faults: {error.errors(include_url=False)}")
        return JSONResponse(switch.faults.model_dump())

    async def stats(self, request: Request) -> Response:
        return self._refused(request) or JSONResponse(self.controls.stats.as_json())

    async def reset(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        self.controls.stats.reset()
        return Response(status_code=204)

    async def advance(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        options = await _options(request)
        if options is None:
            return _error(400, "the body must be a JSON object with optional status and note")
        record_id = request.path_params["id"]
        try:
            steps = self.system.advance(record_id, options.get("status"), options.get("note"))
        except RecordNotFoundError:
            return _error(404, f"no record {record_id}")
        except CannotAdvanceError as error:
            return _error(409, str(error))
        return JSONResponse({"id": record_id, "steps": steps, "status": steps[-1]})


async def _options(request: Request) -> dict[str, Any] | None:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        options: object = json.loads(body)
    except ValueError:
        return None
    if not isinstance(options, dict) or not set(options) <= {"status", "note"}:
        return None
    if not all(isinstance(value, str) for value in options.values()):
        return None
    return options
