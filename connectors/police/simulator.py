"""The police system (公安 警务综合平台) as a real HTTP server.

It answers as ``connectors/police/contract.openapi.yaml`` says: an API key in
``X-API-Key``, ``{code, message, data}`` envelopes, ``page``/``size`` lists, an
idempotent create, and a change log. ``create_app()`` gives the demo's system.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.police.data import (
    CATEGORIES,
    CATEGORY_BY_CODE,
    Incident,
    NewIncident,
    PoliceData,
    Status,
    incident_json,
    patrol_unit_json,
)
from connectors.police.scheme import police_grids
from connectors.sdk.simulation import (
    ApiKeyAuth,
    FeatureCollection,
    SimulatorError,
    SimulatorSettings,
    bad_request,
    by_page,
    choices,
    generate_town,
    integer,
    parse_body,
    simulator_app,
    time_param,
    values,
)

DEMO_API_KEY = "police-demo-key"
DEMO_CLIENT = "grid-hub"
GRID_CODE = re.compile(r"^JG-[A-Z]{2}-[0-9]{2}$")
PHONE = r"^[0-9+][0-9 -]{4,19}$"


class PoliceErrors:
    """``{code, message, requestId}``; ``code`` is the HTTP status and a two-digit reason."""

    media_type = "application/json"

    def __init__(self) -> None:
        self._requests = itertools.count(1)

    def body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        problems = extra.pop("problems", None)
        body = {"code": status * 100 + 1, "message": message}
        body |= {"requestId": f"req-{next(self._requests):08d}", **extra}
        return body | ({"errors": problems} if problems else {})


def ok(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(
        {"code": 0, "message": "success", "data": data}, status, dict(headers or {})
    )


class _Location(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    address: str = Field(min_length=1, max_length=200)


class _Person(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=PHONE)


class _IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=40)
    summary: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=2000)
    occurredAt: AwareDatetime | None = None  # noqa: N815 - the contract's field name
    location: _Location
    caller: _Person | None = None

    def new_incident(self) -> NewIncident:
        return NewIncident(
            category=self.category,
            summary=self.summary,
            description=self.description,
            lat=self.location.latitude,
            lon=self.location.longitude,
            address=self.location.address,
            occurred_at=self.occurredAt,
            caller=(self.caller.name, self.caller.phone) if self.caller else None,
        )


@dataclass(frozen=True, slots=True)
class _Filter:
    grids: frozenset[str]
    start: datetime | None
    end: datetime | None
    statuses: frozenset[str]
    categories: frozenset[str]

    @classmethod
    def of(cls, request: Request) -> _Filter:
        grids = values(request, "grid")
        if bad := [g for g in grids if not GRID_CODE.match(g)]:
            raise bad_request(f"grid: not police grid codes: {', '.join(bad)}")
        return cls(
            grids=frozenset(grids),
            start=time_param(request, "from"),
            end=time_param(request, "to"),
            statuses=frozenset(choices(request, "status", [s.value for s in Status])),
            categories=frozenset(choices(request, "category", CATEGORY_BY_CODE)),
        )

    def matches(self, incident: Incident) -> bool:
        return (
            (not self.grids or incident.grid_code in self.grids)
            and (self.start is None or incident.reported_at >= self.start)
            and (self.end is None or incident.reported_at < self.end)
            and (not self.statuses or incident.status.value in self.statuses)
            and (not self.categories or incident.category in self.categories)
        )


def _page(request: Request) -> tuple[int, int]:
    return integer(request, "page", 1, 1, 1_000_000), integer(request, "size", 20, 1, 100)


class PoliceSystem:
    def __init__(self, town: FeatureCollection, settings: SimulatorSettings) -> None:
        self.clock = settings.clock
        grids = police_grids(town, settings.seed)
        self.data = PoliceData(town, grids, settings.seed, settings.history_end())

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/v1/grids", self.grids, methods=["GET"]),
            Route("/api/v1/categories", self.categories, methods=["GET"]),
            Route("/api/v1/incidents", self.incidents, methods=["GET"]),
            Route("/api/v1/incidents", self.create, methods=["POST"]),
            Route("/api/v1/incidents/changes", self.changes, methods=["GET"]),
            Route("/api/v1/incidents/{id}", self.incident, methods=["GET"]),
            Route("/api/v1/patrol-units", self.patrol_units, methods=["GET"]),
        ]

    def advance(self, record_id: str, target: str | None, note: str | None) -> list[str]:
        return self.data.advance(record_id, target, note, self.clock)

    def progress(self, rng: Any) -> None:
        self.data.progress(rng, self.clock)

    async def grids(self, _: Request) -> Response:
        return ok(self.data.grids)

    async def categories(self, _: Request) -> Response:
        return ok([{"code": c.code, "name": c.name} for c in CATEGORIES])

    async def incidents(self, request: Request) -> Response:
        wanted = _Filter.of(request)
        page, size = _page(request)
        matched = [i for i in self.data.ordered() if wanted.matches(i)]
        records = [incident_json(i) for i in by_page(matched, page, size)]
        return ok({"total": len(matched), "page": page, "size": size, "records": records})

    async def incident(self, request: Request) -> Response:
        found = self.data.incidents.get(request.path_params["id"])
        if found is None:
            raise SimulatorError(404, "警情不存在")
        return ok(incident_json(found))

    async def create(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        if not 0 < len(key) <= 100:
            raise bad_request("the Idempotency-Key header is required (1–100 characters)")
        if key in self.data.by_reference:
            first = self.data.incidents[self.data.by_reference[key]]
            return ok(incident_json(first), 200, {"Idempotent-Replayed": "true"})
        new = parse_body(_IncidentCreate, await request.body()).new_incident()
        if new.category not in CATEGORY_BY_CODE:
            raise SimulatorError(
                422,
                f"非警务类事项，不予受理：{new.category}",
                code=42201,
                reason="NOT_POLICE_BUSINESS",
            )
        if self.data.index.code_at(new.lon, new.lat) is None:
            raise SimulatorError(422, "事发地点不在本所辖区", code=42202, reason="OUT_OF_AREA")
        incident = self.data.register(new, key, self.clock)
        return ok(incident_json(incident), 201, {"Location": f"/api/v1/incidents/{incident.id}"})

    async def changes(self, request: Request) -> Response:
        since = request.query_params.get("since", "0")
        if not since.isdigit():
            raise bad_request("since must be a cursor this system issued")
        size = integer(request, "size", 20, 1, 100)
        entries, more = self.data.changes.after(int(since), size)
        cursor = str(entries[-1]["seq"]) if entries else since
        return ok({"changes": entries, "nextCursor": cursor, "hasMore": more})

    async def patrol_units(self, request: Request) -> Response:
        grids = set(values(request, "grid"))
        page, size = _page(request)
        matched = [u for u in self.data.units if not grids or u.grid_code in grids]
        records = [patrol_unit_json(u) for u in by_page(matched, page, size)]
        return ok({"total": len(matched), "page": page, "size": size, "records": records})


def create_app(
    settings: SimulatorSettings | None = None,
    *,
    town: FeatureCollection | None = None,
    api_keys: Mapping[str, str] | None = None,
) -> Starlette:
    """The police simulator; ``api_keys`` maps keys to client names (default: the demo's)."""
    settings = settings or SimulatorSettings()
    system = PoliceSystem(town or generate_town(), settings)
    auth = ApiKeyAuth(api_keys or {DEMO_API_KEY: DEMO_CLIENT})
    return simulator_app(system, auth=auth, style=PoliceErrors(), settings=settings)
