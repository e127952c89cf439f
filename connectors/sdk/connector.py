"""The connector: one upstream system, declared; the SDK does the calling.

    class PoliceConnector(Connector):
        name = department = "police"
        title = "公安警情系统"
        contract_file = HERE / "contract.openapi.yaml"
        statuses_file = HERE / "statuses.yaml"
        streams = (Incidents,)
        grid_scheme = "police"

        def authenticate(self) -> httpx.Auth:
            return ApiKeyAuth(self.secret("api_key"))

An instance lives for the process: it holds the HTTP client (one connection pool),
the circuit breaker, the response cache and the compiled contract. A request's
``Call`` says who asks and until when.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from connectors.sdk.cache import TTLCache
from connectors.sdk.calls import SERVICE_SCOPE, Call
from connectors.sdk.categories import CategoryMap
from connectors.sdk.client import Sleep, UpstreamClient
from connectors.sdk.contract import Contract
from connectors.sdk.errors import (
    ConnectorDisabledError,
    ContractViolationError,
    UpstreamUnavailableError,
)
from connectors.sdk.grids import Crosswalk, CrosswalkScheme, GridScheme, Regions
from connectors.sdk.mapping import Record
from connectors.sdk.metrics import ConnectorMetrics
from connectors.sdk.pagination import Page, PageRequest, Params, Token, paginate
from connectors.sdk.paths import dig
from connectors.sdk.settings import ConnectorSettings
from connectors.sdk.statuses import StatusMap
from connectors.sdk.stream import Stream
from hub.core import telemetry
from hub.core.departments import Department
from hub.core.feeds import FeedType, feed_types_of
from hub.core.jsonbody import decode_json
from hub.core.workorders import UpstreamChange, UpstreamRef, WorkOrder, WorkOrderRefusedError

log = logging.getLogger("hub.connectors")

Answer = tuple[Any, httpx.Headers]  # a decoded, validated body and its headers
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")


class ConnectorState(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"  # switched off in the settings
    MISCONFIGURED = "MISCONFIGURED"  # no base URL, or a credential is missing


class MissingCredentialError(KeyError):
    pass


@cache
def load_contract(path: Path) -> Contract:
    return Contract.load(path)


@cache
def load_statuses(path: Path) -> StatusMap:
    return StatusMap.load(path)


class _FeedTypes:
    """``Connector.feed_types``: read from the class's declarations, on the class or an
    instance alike, so the hub can list what is published without connecting anything."""

    def __get__(self, instance: object, owner: type[Connector]) -> tuple[FeedType, ...]:
        return feed_types_of(owner.department, owner.feed_entity, owner.feed_created_verb)


class Connector(ABC):
    name: ClassVar[str]
    department: ClassVar[str]  # a code from contracts/taxonomy/departments.yaml
    title: ClassVar[str]
    contract_file: ClassVar[Path]
    statuses_file: ClassVar[Path | None] = None
    categories_file: ClassVar[Path | None] = None  # its categories against the taxonomy
    status_schema: ClassVar[str | None] = None  # the contract's enum of its statuses
    streams: ClassVar[tuple[type[Stream], ...]] = ()
    grid_scheme: ClassVar[str | None] = None  # the crosswalk's name for its grid scheme
    probe_operation: ClassVar[str | None] = None  # a cheap GET that says the system is up
    # "package.module:NAME" of its connectors.sdk.simulation.Simulated, if it ships a
    # simulator: loaded only by the demo, the recorder and tests, never when serving.
    simulator: ClassVar[str | None] = None
    # How its change feed reads as department events, gov.<department>.<entity>.<verb>,
    # and where its records keep what the bus reads (lat, lon, address, title …).
    feed_entity: ClassVar[str | None] = None
    feed_created_verb: ClassVar[str] = "created"
    feed_keys: ClassVar[dict[str, str]] = {}
    # The channel its own new records come in by, when the system is a way in for
    # reports (12345: citizens call it): they become grid events, routed like any report.
    feed_reports: ClassVar[str | None] = None
    # What the department adds to the bus beside its feed, each applied beside the hub's
    # own: routing rules on its feed types, categories, and the department itself when
    # the hub's departments.yaml lacks it.
    routing_file: ClassVar[Path | None] = None
    taxonomy_file: ClassVar[Path | None] = None
    department_info: ClassVar[Department | None] = None
    # Its system calls reporters back (反馈): the ledger hands it the replies owed.
    calls_back_reporters: ClassVar[bool] = False
    # gov.<department>.<feed_entity>.<feed_created_verb> and ….closed; none without a feed.
    feed_types = _FeedTypes()

    @abstractmethod
    def authenticate(self) -> httpx.Auth | None:
        """How every call proves who the hub is; built once, from ``self.secret(...)``."""

    def __init__(
        self,
        settings: ConnectorSettings,
        metrics: ConnectorMetrics | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.clock = clock  # monotonic seconds; auth flows that cache tokens should use it
        self.wall_clock = wall_clock  # Unix seconds; auth that stamps requests should use it
        self.contract = load_contract(self.contract_file)
        self.statuses = load_statuses(self.statuses_file) if self.statuses_file else StatusMap({})
        self.categories = (
            CategoryMap.load(self.categories_file) if self.categories_file else CategoryMap({}, {})
        )
        self.cache: TTLCache[Answer] = TTLCache(
            settings.cache_ttl_seconds, settings.cache_entries, clock
        )
        self.problem: str | None = None if settings.base_url else "no base URL is set"
        self.scheme: GridScheme | None = None  # the crosswalk to the unified grids, once known
        self.client = UpstreamClient(
            self.name,
            settings,
            self._auth(),
            metrics,
            transport=transport,
            clock=clock,
            sleep=sleep,
        )
        self._streams = {stream.name: stream for stream in self.streams}

    def _auth(self) -> httpx.Auth | None:
        try:
            return self.authenticate()
        except MissingCredentialError as missing:
            self.problem = self.problem or f"credential {missing.args[0]} is not set"
            return None

    def secret(self, key: str) -> str:
        """A credential from the settings (``HUB_CONNECTORS__<NAME>__CREDENTIALS__<KEY>``)."""
        value = self.settings.credentials.get(key)
        if value is None:
            raise MissingCredentialError(key)
        return value.get_secret_value()

    def url(self, path: str) -> str:
        """An absolute URL on the upstream, for auth flows that need one (a token endpoint)."""
        return f"{(self.settings.base_url or '').rstrip('/')}/{path.lstrip('/')}"

    @property
    def state(self) -> ConnectorState:
        if not self.settings.enabled:
            return ConnectorState.DISABLED
        return ConnectorState.MISCONFIGURED if self.problem else ConnectorState.ENABLED

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        """A system that takes no work orders refuses them (退单); the bus reassigns."""
        raise WorkOrderRefusedError(f"not_supported: {self.name} takes no work orders")

    async def changes(self, cursor: str | None) -> tuple[list[UpstreamChange], str | None]:
        """Override with the system's change feed and set ``feed_entity``."""
        raise NotImplementedError(f"{self.name} has no change feed")

    def upstream_category(self, taxonomy_code: str) -> str:
        """This system's category for a work order; a category it does not file is
        refused (退单), so the bus reassigns the order instead of misfiling it."""
        code = self.categories.upstream(taxonomy_code)
        if code is None:
            raise WorkOrderRefusedError(f"no_category: {self.name} files no {taxonomy_code}")
        return code

    def service_call(self) -> Call:
        """A call made for the hub itself (the bus, the CLI), within this connector's budget."""
        return Call.within(self.settings.budget_seconds, SERVICE_SCOPE)

    async def probe(self) -> float:
        """Seconds one cheap call took; raises the typed error of a system that is not up."""
        if self.probe_operation is None:
            raise NotImplementedError(f"{self.name} names no probe_operation")
        started = time.perf_counter()
        await self.read_fresh(self.probe_operation)
        return time.perf_counter() - started

    @telemetry.traced("read_fresh")
    async def read_fresh(self, operation: str, params: Params | None = None) -> Any:
        """The validated body of a GET made for the hub itself, never from the cache:
        a change feed's next page, a probe."""
        self.ensure_enabled()
        path = self.contract.operation(operation).path
        body, _ = await self.get(path, params or {}, operation, self.service_call(), fresh=True)
        return body

    async def load_scheme(self, crosswalk: Crosswalk, regions: Regions) -> GridScheme:
        """How this system's grids meet the unified ones: by default its department's part
        of the hub's crosswalk. Override for a system that files records another way."""
        return CrosswalkScheme(crosswalk, self.grid_scheme or self.department)

    def crosswalk(self) -> GridScheme:
        if self.scheme is None:
            raise UpstreamUnavailableError(self.name, "has no crosswalk to the unified grids")
        return self.scheme

    def stream(self, name: str) -> type[Stream]:
        return self._streams[name]

    async def aclose(self) -> None:
        await self.client.aclose()

    def ensure_enabled(self) -> None:
        state = self.state
        if state is ConnectorState.DISABLED:
            raise ConnectorDisabledError(self.name, "is switched off")
        if state is ConnectorState.MISCONFIGURED:
            raise UpstreamUnavailableError(self.name, "is not configured", reason=self.problem)

    @telemetry.traced("fetch")
    async def fetch(
        self, stream: type[Stream], call: Call, params: Params | None = None
    ) -> list[Record]:
        """Every record of ``stream`` matching ``params``, across all its pages."""
        self.ensure_enabled()
        call = Call(call.deadline.within(self.settings.budget_seconds), call.scope)
        operation = stream.operation
        path = self.contract.operation(operation).path
        request = PageRequest(path, {**stream.params, **(params or {})})
        paginator = stream.paginator
        if self.settings.page_size is not None:
            paginator = paginator.resized(self.settings.page_size)

        async def page(request: PageRequest, token: Token | None) -> Page:
            body, headers = await self.get(request.path, request.params, operation, call)
            found = dig(body, stream.records_path)
            if not isinstance(found, list):
                raise self._violated(f"no record list at {stream.records_path}")
            return Page(body, found, token, headers)

        records: list[Record] = []
        walk = paginate(self.name, paginator, request, page, self.settings.max_pages)
        async for found in walk:
            records.extend(found.records)
        return records

    @telemetry.traced("fetch_one")
    async def fetch_one(self, stream: type[Stream], key: str, call: Call) -> Record | None:
        """One record by its key, or None when the upstream has no such record."""
        self.ensure_enabled()
        if stream.item_operation is None:
            raise NotImplementedError(f"{self.name}.{stream.name} has no lookup by key")
        template = self.contract.operation(stream.item_operation).path
        path = _PATH_PARAMETER.sub(quote(key, safe=""), template)
        answer = await self.lookup(path, {}, stream.item_operation, call)
        if answer is None:
            return None
        record = dig(answer[0], stream.item_record_path) if stream.item_record_path else answer[0]
        if not isinstance(record, dict):
            raise self._violated(f"no record at {stream.item_record_path}")
        return record

    async def get(
        self, path: str, params: Params, operation: str, call: Call, fresh: bool = False
    ) -> Answer:
        """A validated answer to a GET; a 404 breaks the contract here. ``fresh`` skips
        the cache, for answers that must be new (a change feed, a probe)."""
        answer = await self.lookup(path, params, operation, call, fresh)
        if answer is None:
            raise self._violated(f"answered 404 to {operation}")
        return answer

    async def lookup(
        self, path: str, params: Params, operation: str, call: Call, fresh: bool = False
    ) -> Answer | None:
        """A validated answer to a GET, or None for a 404; cached per caller scope."""
        key = (path, _frozen(params), call.scope)
        cached = None if fresh else self.cache.get(key)
        if cached is not None:
            return cached
        response = await self.client.request("GET", path, call.deadline, params=params)
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        answer = (self.decode(response, operation), response.headers)
        self.cache.put(key, answer)
        return answer

    @telemetry.traced("send")
    async def send(
        self,
        operation: str,
        body: Any,
        call: Call,
        *,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
        path: str | None = None,
    ) -> tuple[int, Any]:
        """A write: its status and validated answer. A refusal (422) is answered, not
        raised; the call is retried only when ``idempotent`` (an idempotency key sent)."""
        self.ensure_enabled()
        spec = self.contract.operation(operation)
        response = await self.client.request(
            spec.method,
            path or spec.path,
            call.deadline,
            json=body,
            headers=headers,
            idempotent=idempotent,
            accept=(httpx.codes.UNPROCESSABLE_ENTITY,),
        )
        return response.status_code, self.decode(response, operation)

    def decode(self, response: httpx.Response, operation: str) -> Any:
        """The body of ``response``, if it is JSON the contract allows ``operation`` to send."""
        try:
            body = decode_json(response.content)
        except ValueError:
            raise self._violated("answered with something not JSON") from None
        try:
            violation = self.contract.validate_response(operation, response.status_code, body)
        except KeyError:
            raise self._violated(
                f"answered {response.status_code}, which {operation} never does"
            ) from None
        if violation is not None:
            log.warning("contract violation", extra={"connector": self.name, "at": str(violation)})
            raise self._violated(
                "answered outside its contract", operation=operation, where=violation.where
            )
        return body

    def _violated(self, message: str, **details: Any) -> ContractViolationError:
        """The error for an answer that broke the contract, counted against the system."""
        self.client.broke_contract()
        return ContractViolationError(self.name, message, **details)


def _frozen(params: Params) -> Hashable:
    return tuple(sorted((k, v if isinstance(v, str) else tuple(v)) for k, v in params.items()))
