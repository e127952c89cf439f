"""The community-health platform (卫健) as a real HTTP server, in FHIR R4 shapes.

It answers as ``connectors/health/contract.openapi.yaml`` says: HMAC-signed requests,
``Bundle`` searchsets paged by ``next`` links, ``Task``, ``Flag`` and ``Location``
resources, conditional create, and ``_lastUpdated`` searches as the change feed.
``create_app()`` gives the demo's system.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache, partial
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.health.data import (
    ALERT_TYPES,
    FLAGS,
    GEOLOCATION_URL,
    TASKS,
    TYPE_BY_CODE,
    TYPE_SYSTEM,
    Flag,
    HealthData,
    NewTask,
    Task,
    flag_json,
    task_json,
)
from connectors.health.scheme import service_areas
from connectors.sdk.simulation import (
    RENDERED,
    FeatureCollection,
    HmacAuth,
    SimulatorError,
    SimulatorSettings,
    bad_request,
    choices,
    decode_token,
    encode_token,
    generate_town,
    integer,
    parse_body,
    parse_time,
    simulator_app,
    values,
)

DEMO_KEY_ID = "grid-hub"
DEMO_KEY_SECRET = "health-demo-secret"  # noqa: S105 - the demo simulator's, on loopback
FHIR_JSON = "application/fhir+json"
REFUSAL_SYSTEM = "urn:yunxi:health:refusal"
ISSUE_CODES = {
    400: "invalid",
    401: "security",
    404: "not-found",
    405: "invalid",
    422: "business-rule",
    429: "throttled",
    502: "transient",
    503: "transient",
    504: "transient",
}
R = TypeVar("R", Task, Flag)


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """What one resource type's search understands."""

    kind: str
    statuses: Sequence[str]
    codes: Sequence[str]
    date: str  # the name of its date parameter


TASK_SEARCH = _Vocabulary("Task", TASKS.statuses, list(TYPE_BY_CODE), "authored-on")
FLAG_SEARCH = _Vocabulary("Flag", FLAGS.statuses, [code for code, _, _ in ALERT_TYPES], "date")


class HealthErrors:
    """A FHIR ``OperationOutcome`` with one issue."""

    media_type = FHIR_JSON

    def body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        problems = extra.pop("problems", None)
        refusal = extra.pop("refusal", None)
        issue: dict[str, Any] = {
            "severity": "error",
            "code": ISSUE_CODES.get(status, "exception"),
            "diagnostics": f"{message}: {'; '.join(problems)}" if problems else message,
        }
        if refusal:
            issue["details"] = {"coding": [{"system": REFUSAL_SYSTEM, "code": refusal}]}
        return {"resourceType": "OperationOutcome", "issue": [issue]}


def fhir(resource: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(resource, status, dict(headers or {}), media_type=FHIR_JSON)


@dataclass(frozen=True, slots=True)
class _Bound:
    """One FHIR date search: a prefix and a moment."""

    prefix: str
    moment: datetime

    def admits(self, value: datetime) -> bool:
        return {
            "ge": value >= self.moment,
            "gt": value > self.moment,
            "le": value <= self.moment,
            "lt": value < self.moment,
        }[self.prefix]


def _bounds(request: Request, name: str) -> tuple[_Bound, ...]:
    found = []
    for raw in request.query_params.getlist(name):
        prefix, text = raw[:2], raw[2:]
        if prefix not in ("ge", "gt", "le", "lt"):
            raise bad_request(f"{name} needs a prefix ge, gt, le or lt: {raw!r}")
        if len(text) == 10:  # a date alone means its first moment, UTC
            try:
                moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            except ValueError:
                raise bad_request(f"{name} is not a date: {raw!r}") from None
        else:
            moment = parse_time(text, name)
        found.append(_Bound(prefix, moment))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Search:
    areas: frozenset[str]
    statuses: frozenset[str]
    codes: frozenset[str]
    dates: tuple[_Bound, ...]
    updated: tuple[_Bound, ...]
    sort: str

    @classmethod
    def of(cls, request: Request, vocabulary: _Vocabulary) -> _Search:
        sorts = (f"-{vocabulary.date}", "_lastUpdated")
        sort = request.query_params.get("_sort", sorts[0])
        if sort not in sorts:
            raise bad_request(f"_sort must be {sorts[0]} or _lastUpdated")
        return cls(
            areas=frozenset(values(request, "service-area")),
            statuses=frozenset(choices(request, "status", vocabulary.statuses)),
            codes=frozenset(choices(request, "code", vocabulary.codes)),
            dates=_bounds(request, vocabulary.date),
            updated=_bounds(request, "_lastUpdated"),
            sort=sort,
        )

    def matches(self, record: Task | Flag) -> bool:
        return (
            (not self.areas or record.area in self.areas)
            and (not self.statuses or record.status in self.statuses)
            and (not self.codes or record.kind in self.codes)
            and all(bound.admits(record.when) for bound in self.dates)
            and all(bound.admits(record.updated) for bound in self.updated)
        )

    def ordered(self, records: list[R]) -> list[R]:
        if self.sort == "_lastUpdated":
            return sorted(records, key=lambda r: r.updated)
        return sorted(records, key=lambda r: (r.when, r.id), reverse=True)

    def key(self) -> list[Any]:
        bounds = [[b.prefix, b.moment.isoformat()] for b in (*self.dates, *self.updated)]
        return [sorted(self.areas), sorted(self.statuses), sorted(self.codes), bounds, self.sort]


class _Identifier(BaseModel):
    system: str = Field(min_length=1)
    value: str = Field(min_length=1)


class _Coding(BaseModel):
    system: str
    code: str
    display: str | None = None


class _Code(BaseModel):
    coding: list[_Coding] = Field(min_length=1)
    text: str | None = None


class _Period(BaseModel):
    end: AwareDatetime


class _Restriction(BaseModel):
    period: _Period


class _Note(BaseModel):
    text: str = Field(min_length=1)


class _Extension(BaseModel):
    model_config = ConfigDict(extra="allow")

    url: str
    valueDecimal: float | None = None  # noqa: N815 - FHIR's names
    extension: list[_Extension] = Field(default_factory=list)


class _TaskCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resourceType: Literal["Task"]  # noqa: N815 - FHIR's names
    status: Literal["requested"]
    intent: Literal["order"]
    priority: Literal["routine", "urgent", "asap", "stat"] = "routine"
    code: _Code
    description: str = Field(min_length=1, max_length=2000)
    identifier: list[_Identifier] = Field(default_factory=list)
    restriction: _Restriction | None = None
    note: list[_Note] = Field(default_factory=list)
    extension: list[_Extension] = Field(min_length=1)

    def point(self) -> tuple[float, float]:
        """(lon, lat) from the geolocation extension; a 400 when it is missing."""
        for extension in self.extension:
            if extension.url == GEOLOCATION_URL:
                parts = {inner.url: inner.valueDecimal for inner in extension.extension}
                lat, lon = parts.get("latitude"), parts.get("longitude")
                if lat is not None and lon is not None:
                    return lon, lat
        raise bad_request("extension: the geolocation extension (latitude, longitude) is required")


def _conditional(header: str | None) -> tuple[str, str]:
    name, _, value = (header or "").partition("=")
    system, _, code = value.partition("|")
    if name != "identifier" or not system or not code:
        raise bad_request("If-None-Exist must be identifier=<system>|<value>")
    return system, code


class HealthSystem:
    def __init__(self, town: FeatureCollection, settings: SimulatorSettings) -> None:
        self.clock = settings.clock
        areas = service_areas(town, settings.seed)
        self.data = HealthData(town, areas, settings.seed, settings.history_end())
        # Wire forms are rendered once per version of a record and shared: never change them.
        self._task = lru_cache(maxsize=RENDERED)(partial(task_json, areas=self.data.areas))
        self._flag = lru_cache(maxsize=RENDERED)(partial(flag_json, areas=self.data.areas))

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/fhir/Location", self.search_locations, methods=["GET"]),
            Route("/fhir/Location/{id}", self.read_location, methods=["GET"]),
            Route("/fhir/Task", self.search_tasks, methods=["GET"]),
            Route("/fhir/Task", self.create_task, methods=["POST"]),
            Route("/fhir/Task/{id}", self.read_task, methods=["GET"]),
            Route("/fhir/Flag", self.search_flags, methods=["GET"]),
            Route("/fhir/Flag/{id}", self.read_flag, methods=["GET"]),
        ]

    def advance(self, record_id: str, target: str | None, note: str | None) -> list[str]:
        return self.data.advance(record_id, target, note, self.clock)

    def progress(self, rng: random.Random) -> None:
        self.data.progress(rng, self.clock)

    async def search_locations(self, request: Request) -> Response:
        return fhir(_bundle(request, self.data.locations, []))

    async def read_location(self, request: Request) -> Response:
        wanted = request.path_params["id"]
        found = next((r for r in self.data.locations if r["id"] == wanted), None)
        if found is None:
            raise SimulatorError(404, f"Location/{wanted} is not known")
        return fhir(found)

    async def search_tasks(self, request: Request) -> Response:
        return _search(request, self.data.tasks, TASK_SEARCH, self._task)

    async def read_task(self, request: Request) -> Response:
        return _read(request, self.data.tasks, TASK_SEARCH, self._task)

    async def create_task(self, request: Request) -> Response:
        identifier = _conditional(request.headers.get("If-None-Exist"))
        existing = self.data.find(identifier)
        if existing is not None:
            return fhir(self._task(existing))
        body = parse_body(_TaskCreate, await request.body())
        coding = body.code.coding[0]
        if coding.system != TYPE_SYSTEM or coding.code not in TYPE_BY_CODE:
            raise SimulatorError(
                422, f"not a follow-up this platform does: {coding.code}", refusal="not-competent"
            )
        lon, lat = body.point()
        if self.data.area_at(lon, lat) is None:
            raise SimulatorError(422, "the point is in no service area", refusal="out-of-area")
        task = self.data.register(_new_task(body, identifier, lon, lat), self.clock)
        return fhir(self._task(task), 201, {"Location": f"Task/{task.id}/_history/1"})

    async def search_flags(self, request: Request) -> Response:
        return _search(request, self.data.flags, FLAG_SEARCH, self._flag)

    async def read_flag(self, request: Request) -> Response:
        return _read(request, self.data.flags, FLAG_SEARCH, self._flag)


def _new_task(body: _TaskCreate, identifier: tuple[str, str], lon: float, lat: float) -> NewTask:
    identifiers = [(i.system, i.value) for i in body.identifier]
    if identifier not in identifiers:
        identifiers.append(identifier)
    return NewTask(
        kind=body.code.coding[0].code,
        description=body.description,
        lon=lon,
        lat=lat,
        due=body.restriction.period.end if body.restriction else None,
        priority=body.priority,
        notes=tuple(note.text for note in body.note),
        identifiers=tuple(identifiers),
    )


def _search(
    request: Request,
    records: Mapping[str, R],
    vocabulary: _Vocabulary,
    as_json: Callable[[R], dict[str, Any]],
) -> Response:
    search = _Search.of(request, vocabulary)
    matched = search.ordered([r for r in records.values() if search.matches(r)])
    return fhir(_bundle(request, matched, search.key(), as_json))


def _read(
    request: Request,
    records: Mapping[str, R],
    vocabulary: _Vocabulary,
    as_json: Callable[[R], dict[str, Any]],
) -> Response:
    found = records.get(request.path_params["id"])
    if found is None:
        raise SimulatorError(404, f"{vocabulary.kind}/{request.path_params['id']} is not known")
    return fhir(as_json(found))


def _bundle(
    request: Request,
    records: Sequence[Any],
    key: Any,
    as_json: Callable[[Any], dict[str, Any]] = lambda resource: resource,
) -> dict[str, Any]:
    """One page of a searchset, with ``self`` and, unless it is the last, ``next``."""
    count = integer(request, "_count", 20, 1, 100)
    token = request.query_params.get("_page")
    offset = decode_token(token, key, name="_page") if token else 0
    if not isinstance(offset, int) or offset < 0:
        raise bad_request("_page is not one this server issued")
    base = str(request.base_url).rstrip("/")
    links = [{"relation": "self", "url": str(request.url)}]
    if offset + count < len(records):
        following = request.url.include_query_params(_page=encode_token(offset + count, key))
        links.append({"relation": "next", "url": str(following)})
    page = [as_json(record) for record in records[offset : offset + count]]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(records),
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/fhir/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in page
        ],
    }


def create_app(
    settings: SimulatorSettings | None = None,
    *,
    town: FeatureCollection | None = None,
    keys: Mapping[str, str] | None = None,
) -> Starlette:
    """The health simulator; ``keys`` maps key ids to HMAC secrets (default: the demo's)."""
    settings = settings or SimulatorSettings()
    system = HealthSystem(town or generate_town(), settings)
    auth = HmacAuth(keys or {DEMO_KEY_ID: DEMO_KEY_SECRET}, settings.clock)
    return simulator_app(system, auth=auth, style=HealthErrors(), settings=settings)
