"""The 12345 hotline and petitions system (12345热线/信访) as a real HTTP server.

It answers as ``connectors/petition/contract.openapi.yaml`` says: HTTP Basic,
``{success, data}`` answers, opaque cursors, orders located by community and address,
an idempotent create on ``externalNo``, replies, evaluations and a change log.
``create_app()`` gives the demo's system.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.petition.data import (
    CATALOGUE,
    CATEGORY_BY_CODE,
    COURSE,
    Citizen,
    InvalidStateError,
    NewOrder,
    PetitionData,
    WorkOrder,
    category_json,
    order_json,
)
from connectors.sdk.simulation import (
    BasicAuth,
    FeatureCollection,
    SimulatorError,
    SimulatorSettings,
    bad_request,
    beijing_iso,
    choices,
    decode_token,
    encode_token,
    generate_town,
    integer,
    parse_body,
    simulator_app,
    time_param,
    values,
)

DEMO_USER = "grid-hub"
DEMO_PASSWORD = "petition-demo-password"  # noqa: S105 - the demo simulator's, on loopback
APPEAL_TYPES = ("投诉", "求助", "咨询", "建议", "举报", "表扬")
PHONE = r"^[0-9+][0-9 -]{4,19}$"
ID_NUMBER = r"^[0-9]{17}[0-9X]$"
ERRORS = {
    400: "INVALID_PARAMETER",
    401: "AUTH_FAILED",
    404: "NOT_FOUND",
    405: "INVALID_PARAMETER",
    409: "INVALID_STATE",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}


class PetitionErrors:
    """``{success: false, errorCode, errorMessage}``."""

    media_type = "application/json"

    def body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        problems = extra.pop("problems", None)
        code = extra.pop("errorCode", None) or ERRORS.get(status, "SYSTEM_ERROR")
        body = {"success": False, "errorCode": code, "errorMessage": message, **extra}
        return body | ({"details": problems} if problems else {})


def ok(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None, **more: Any
) -> Response:
    return JSONResponse({"success": True, "data": data, **more}, status, dict(headers or {}))


class _Point(BaseModel):
    lng: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class _Citizen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=PHONE)
    idNumber: str | None = Field(default=None, pattern=ID_NUMBER)  # noqa: N815 - the contract's


class _OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    externalNo: str = Field(min_length=1, max_length=100)  # noqa: N815 - the contract's names
    appealType: Literal["投诉", "求助", "咨询", "建议", "举报", "表扬"]  # noqa: N815
    category: str = Field(min_length=1, max_length=20)
    title: str = Field(min_length=1, max_length=100)
    content: str = Field(min_length=1, max_length=4000)
    community: str = Field(min_length=1, max_length=50)
    address: str = Field(min_length=1, max_length=200)
    location: _Point | None = None
    citizen: _Citizen | None = None
    deadline: AwareDatetime | None = None

    def new_order(self) -> NewOrder:
        citizen = self.citizen
        return NewOrder(
            appeal_type=self.appealType,
            category=self.category,
            title=self.title,
            content=self.content,
            community=self.community,
            address=self.address,
            point=(self.location.lng, self.location.lat) if self.location else None,
            citizen=Citizen(citizen.name, citizen.phone, citizen.idNumber) if citizen else None,
            deadline=self.deadline,
        )


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=4000)
    replier: str | None = Field(default=None, min_length=1, max_length=100)


class _CallBack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    externalNo: str = Field(min_length=1, max_length=64)  # noqa: N815 - the wire's name
    phone: str = Field(pattern=PHONE)
    content: str = Field(min_length=1, max_length=500)


class _Evaluation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    satisfaction: Literal["非常满意", "满意", "基本满意", "不满意"]
    comment: str | None = Field(default=None, max_length=1000)


@dataclass(frozen=True, slots=True)
class _Filter:
    communities: frozenset[str]
    start: datetime | None
    end: datetime | None
    statuses: frozenset[str]
    appeal_types: frozenset[str]
    categories: frozenset[str]

    @classmethod
    def of(cls, request: Request) -> _Filter:
        return cls(
            communities=frozenset(values(request, "community")),
            start=time_param(request, "startTime"),
            end=time_param(request, "endTime"),
            statuses=frozenset(choices(request, "status", COURSE.statuses)),
            appeal_types=frozenset(choices(request, "appealType", APPEAL_TYPES)),
            categories=frozenset(choices(request, "category", CATEGORY_BY_CODE)),
        )

    def matches(self, order: WorkOrder) -> bool:
        return (
            (not self.communities or order.community in self.communities)
            and (self.start is None or order.accepted_at >= self.start)
            and (self.end is None or order.accepted_at < self.end)
            and (not self.statuses or order.status in self.statuses)
            and (not self.appeal_types or order.appeal_type in self.appeal_types)
            and (not self.categories or order.category in self.categories)
        )

    def key(self) -> list[Any]:
        """What a cursor is bound to."""
        return [sorted(self.communities), str(self.start), str(self.end), sorted(self.statuses),
                sorted(self.appeal_types), sorted(self.categories)]  # fmt: skip


def _position(order: WorkOrder) -> list[str]:
    """Where an order sits in the list; positions compare as the list is ordered."""
    return [order.accepted_at.astimezone(UTC).isoformat(timespec="microseconds"), order.id]


class PetitionSystem:
    def __init__(self, town: FeatureCollection, settings: SimulatorSettings) -> None:
        self.clock = settings.clock
        self.data = PetitionData(town, settings.seed, settings.history_end())
        self.callbacks: dict[str, dict[str, Any]] = {}  # replies owed to callers, by id

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/v1/communities", self.communities, methods=["GET"]),
            Route("/api/v1/categories", self.categories, methods=["GET"]),
            Route("/api/v1/workorders", self.orders, methods=["GET"]),
            Route("/api/v1/workorders", self.create, methods=["POST"]),
            Route("/api/v1/workorders/changes", self.changes, methods=["GET"]),
            Route("/api/v1/workorders/{id}", self.order, methods=["GET"]),
            Route("/api/v1/workorders/{id}/replies", self.reply, methods=["POST"]),
            Route("/api/v1/workorders/{id}/evaluations", self.evaluate, methods=["POST"]),
            Route("/api/v1/callbacks", self.call_back, methods=["POST"]),
        ]

    def advance(self, record_id: str, target: str | None, note: str | None) -> list[str]:
        return self.data.advance(record_id, target, note, self.clock)

    def progress(self, rng: random.Random) -> None:
        self.data.progress(rng, self.clock)

    async def communities(self, _: Request) -> Response:
        return ok(
            [{"name": name, "street": self.data.town.street} for name in self.data.communities]
        )

    async def categories(self, _: Request) -> Response:
        return ok([category_json(c) for c in CATALOGUE])

    async def orders(self, request: Request) -> Response:
        wanted = _Filter.of(request)
        limit = integer(request, "limit", 20, 1, 100)
        listed = [o for o in self.data.ordered() if wanted.matches(o)]
        cursor = request.query_params.get("cursor")
        if cursor is not None:
            after = decode_token(cursor, wanted.key(), errorCode="INVALID_CURSOR")
            listed = [o for o in listed if _position(o) < after]  # newest first: smaller is later
        page = listed[:limit]
        following = encode_token(_position(page[-1]), wanted.key()) if len(listed) > limit else None
        return ok([order_json(o) for o in page], next_cursor=following)

    async def order(self, request: Request) -> Response:
        return ok(order_json(self._get(request)))

    async def create(self, request: Request) -> Response:
        body = parse_body(_OrderCreate, await request.body())
        if body.externalNo in self.data.by_reference:
            return ok(order_json(self.data.orders[self.data.by_reference[body.externalNo]]))
        new = body.new_order()
        if new.category not in CATEGORY_BY_CODE:
            raise SimulatorError(
                422, f"不属于12345受理范围，紧急事项请拨打110/119/120：{new.category}",
                errorCode="NOT_ACCEPTED",
            )  # fmt: skip
        if new.community not in self.data.communities:
            raise SimulatorError(
                422, f"不在本平台受理区域：{new.community}", errorCode="OUT_OF_AREA"
            )
        order = self.data.register(new, body.externalNo, self.clock)
        return ok(order_json(order), 201, {"Location": f"/api/v1/workorders/{order.id}"})

    async def changes(self, request: Request) -> Response:
        limit = integer(request, "limit", 20, 1, 100)
        cursor = request.query_params.get("cursor")
        seq = 0 if cursor is None else decode_token(cursor, "changes", errorCode="INVALID_CURSOR")
        if not isinstance(seq, int) or seq < 0:
            raise bad_request("cursor is not one this system issued", errorCode="INVALID_CURSOR")
        entries, more = self.data.changes.after(seq, limit)
        last = entries[-1]["seq"] if entries else seq
        return ok(entries, next_cursor=encode_token(last, "changes"), has_more=more)

    async def reply(self, request: Request) -> Response:
        body = parse_body(_Reply, await request.body())
        return self._act(
            request, lambda order: self.data.reply(order, body.content, body.replier, self.clock)
        )

    async def call_back(self, request: Request) -> Response:
        """回复来电人: a reply to a caller, idempotent on its ``id``."""
        body = parse_body(_CallBack, await request.body())
        if body.id in self.callbacks:
            return ok(self.callbacks[body.id])
        self.callbacks[body.id] = {
            **body.model_dump(),
            "status": "待回复",
            "createdAt": beijing_iso(self.clock.now()),
        }
        return ok(self.callbacks[body.id], 201)

    async def evaluate(self, request: Request) -> Response:
        body = parse_body(_Evaluation, await request.body())
        return self._act(
            request,
            lambda order: self.data.evaluate(order, body.satisfaction, body.comment, self.clock),
        )

    def _act(self, request: Request, act: Callable[[str], WorkOrder]) -> Response:
        """One step a caller takes on an order; 409 when its status does not allow it."""
        order = self._get(request)
        try:
            return ok(order_json(act(order.id)))
        except InvalidStateError as error:
            raise SimulatorError(409, str(error)) from None

    def _get(self, request: Request) -> WorkOrder:
        found = self.data.orders.get(request.path_params["id"])
        if found is None:
            raise SimulatorError(404, "工单不存在")
        return found


def create_app(
    settings: SimulatorSettings | None = None,
    *,
    town: FeatureCollection | None = None,
    users: Mapping[str, str] | None = None,
) -> Starlette:
    """The hotline simulator; ``users`` maps user names to passwords (default: the demo's)."""
    settings = settings or SimulatorSettings()
    system = PetitionSystem(town or generate_town(), settings)
    auth = BasicAuth(users or {DEMO_USER: DEMO_PASSWORD}, realm="12345")
    return simulator_app(system, auth=auth, style=PetitionErrors(), settings=settings)
