"""The digital city-management system (数字城管) as a real HTTP server.

It answers as ``connectors/citymgmt/contract.openapi.yaml`` says: OAuth2 client
credentials with expiring bearer tokens, ``offset``/``limit`` lists, an idempotent
create, and a change feed by case ``version``. ``create_app()`` gives the demo's system.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.citymgmt.data import (
    CATEGORY_BY_CODE,
    COURSE,
    TREE,
    Case,
    CityData,
    NewCase,
    case_json,
    category_json,
)
from connectors.citymgmt.scheme import unit_grids
from connectors.sdk.simulation import (
    BEIJING,
    FeatureCollection,
    OAuth2ClientCredentials,
    SimulatorError,
    SimulatorSettings,
    bad_request,
    by_offset,
    choices,
    generate_town,
    integer,
    parse_body,
    simulator_app,
    time_param,
    values,
)

DEMO_CLIENT_ID = "grid-hub"
DEMO_CLIENT_SECRET = "citymgmt-demo-secret"  # noqa: S105 - the demo simulator's, on loopback
TOKEN_TTL_SECONDS = 300.0
UNIT_GRID = re.compile(r"^[0-9]{14}$")
CATEGORY = re.compile(r"^[0-9]{2}([0-9]{2})?$")
PHONE = r"^[0-9+][0-9 -]{4,19}$"
ERRORS = {
    400: "invalid_request",
    401: "invalid_token",
    404: "not_found",
    405: "invalid_request",
    429: "rate_limited",
    503: "temporarily_unavailable",
}


class CityErrors:
    """OAuth2-style ``{error, error_description}``, for the API as for the token endpoint."""

    media_type = "application/json"

    def body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        problems = extra.pop("problems", None)
        error = extra.pop("error", None) or ERRORS.get(status, "server_error")
        body = {"error": error, "error_description": message, **extra}
        return body | ({"details": problems} if problems else {})


class _Reporter(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=PHONE)


class _CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category_code: str = Field(min_length=1, max_length=10)
    description: str = Field(min_length=1, max_length=2000)
    address: str = Field(min_length=1, max_length=200)
    longitude: float = Field(ge=-180, le=180)
    latitude: float = Field(ge=-90, le=90)
    reporter: _Reporter | None = None
    photos: list[str] = Field(default_factory=list, max_length=9)

    def new_case(self) -> NewCase:
        reporter = (self.reporter.name, self.reporter.phone) if self.reporter else None
        return NewCase(
            self.category_code,
            self.description,
            self.address,
            self.longitude,
            self.latitude,
            reporter,
        )


@dataclass(frozen=True, slots=True)
class _Filter:
    grids: frozenset[str]
    start: datetime | None
    end: datetime | None
    since_version: int | None
    statuses: frozenset[str]
    kind: str | None
    categories: tuple[str, ...]

    @classmethod
    def of(cls, request: Request) -> _Filter:
        grids = values(request, "grid_code")
        if bad := [g for g in grids if not UNIT_GRID.match(g)]:
            raise bad_request(f"grid_code: not unit grid codes: {', '.join(bad)}")
        categories = values(request, "category")
        if bad := [c for c in categories if not CATEGORY.match(c)]:
            raise bad_request(f"category: not category codes: {', '.join(bad)}")
        kind = request.query_params.get("kind")
        if kind not in (None, "部件", "事件"):
            raise bad_request("kind must be 部件 or 事件")
        since = request.query_params.get("since_version")
        if since is not None and not since.isdigit():
            raise bad_request("since_version must be a non-negative integer")
        return cls(
            grids=frozenset(grids),
            start=time_param(request, "created_after", BEIJING),
            end=time_param(request, "created_before", BEIJING),
            since_version=int(since) if since is not None else None,
            statuses=frozenset(choices(request, "status", COURSE.statuses)),
            kind=kind,
            categories=tuple(categories),
        )

    def matches(self, case: Case) -> bool:
        return (
            (not self.grids or case.grid_code in self.grids)
            and (self.start is None or case.reported_at >= self.start)
            and (self.end is None or case.reported_at < self.end)
            and (self.since_version is None or case.version > self.since_version)
            and (not self.statuses or case.status in self.statuses)
            and (self.kind is None or CATEGORY_BY_CODE[case.category].kind == self.kind)
            and (not self.categories or case.category.startswith(self.categories))
        )


def _page(request: Request) -> tuple[int, int]:
    return integer(request, "offset", 0, 0, 10_000_000), integer(request, "limit", 50, 1, 200)


class CitySystem:
    def __init__(self, town: FeatureCollection, settings: SimulatorSettings) -> None:
        self.clock = settings.clock
        grids = unit_grids(town, settings.seed)
        self.data = CityData(town, grids, settings.seed, settings.history_end())

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/v2/unit-grids", self.unit_grids, methods=["GET"]),
            Route("/api/v2/categories", self.categories, methods=["GET"]),
            Route("/api/v2/cases", self.cases, methods=["GET"]),
            Route("/api/v2/cases", self.create, methods=["POST"]),
            Route("/api/v2/cases/{id}", self.case, methods=["GET"]),
        ]

    def advance(self, record_id: str, target: str | None, note: str | None) -> list[str]:
        return self.data.advance(record_id, target, note, self.clock)

    def progress(self, rng: random.Random) -> None:
        self.data.progress(rng, self.clock)

    async def unit_grids(self, request: Request) -> Response:
        offset, limit = _page(request)
        features = self.data.grids["features"]
        results = [
            {
                "id": f["properties"]["code"],
                "code": f["properties"]["code"],
                "block": f["properties"]["block"],
                "area_sqm": f["properties"]["area_sqm"],
                "geometry": f["geometry"],
            }
            for f in by_offset(features, offset, limit)
        ]
        return JSONResponse(
            {"offset": offset, "limit": limit, "count": len(features), "results": results}
        )

    async def categories(self, _: Request) -> Response:
        return JSONResponse({"results": [category_json(c) for c in TREE]})

    async def cases(self, request: Request) -> Response:
        wanted = _Filter.of(request)
        order = request.query_params.get("order", "reported_at_desc")
        if order not in ("reported_at_desc", "version_asc"):
            raise bad_request("order must be reported_at_desc or version_asc")
        offset, limit = _page(request)
        listed = self.data.ordered() if order == "reported_at_desc" else self.data.by_version()
        matched = [c for c in listed if wanted.matches(c)]
        now = self.clock.now()
        results = [case_json(c, now) for c in by_offset(matched, offset, limit)]
        return JSONResponse(
            {"offset": offset, "limit": limit, "count": len(matched), "results": results}
        )

    async def case(self, request: Request) -> Response:
        found = self.data.cases.get(request.path_params["id"])
        if found is None:
            raise SimulatorError(404, "案卷不存在")
        return JSONResponse(case_json(found, self.clock.now()))

    async def create(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        if not 0 < len(key) <= 100:
            raise bad_request("the Idempotency-Key header is required (1–100 characters)")
        if key in self.data.by_reference:
            first = self.data.cases[self.data.by_reference[key]]
            return JSONResponse(
                case_json(first, self.clock.now()), headers={"Idempotent-Replayed": "true"}
            )
        new = parse_body(_CaseCreate, await request.body()).new_case()
        category = CATEGORY_BY_CODE.get(new.category)
        if category is None or category.limit is None:
            raise SimulatorError(422, f"不属于城管受理范围：{new.category}", error="not_competent")
        if self.data.index.code_at(new.lon, new.lat) is None:
            raise SimulatorError(422, "地点不在任何单元网格内", error="out_of_area")
        case = self.data.register(new, key, self.clock)
        body = case_json(case, self.clock.now())
        return JSONResponse(body, 201, headers={"Location": f"/api/v2/cases/{case.id}"})


def create_app(
    settings: SimulatorSettings | None = None,
    *,
    town: FeatureCollection | None = None,
    clients: Mapping[str, str] | None = None,
    token_ttl_seconds: float = TOKEN_TTL_SECONDS,
) -> Starlette:
    """The city-management simulator; ``clients`` maps client ids to secrets."""
    settings = settings or SimulatorSettings()
    system = CitySystem(town or generate_town(), settings)
    auth = OAuth2ClientCredentials(
        clients or {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET},
        settings.clock,
        ttl_seconds=token_ttl_seconds,
        scope="cases:read cases:write",
    )
    return simulator_app(system, auth=auth, style=CityErrors(), settings=settings)
