"""The ``/open311/v2/`` routes, built once at start.

Access, decided here and documented in the README:

- ``services.json`` and ``services/{code}.json`` are open (the spec asks no key for
  them, and the taxonomy is public); an ``api_key``, if sent, must be valid.
- ``POST requests.json`` needs a key with ``events:report``.
- ``GET requests.json`` and ``requests/{id}.json`` need ``events:read``. A grid-scoped
  key sees only requests in its grids; anyone else's are "not found".
- ``tokens/{token}.json`` needs ``events:report`` or ``events:read``.

Every route is rate limited per principal (per address without a key). A submission,
accepted or refused, and every unmasked address read go to the audit trail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from hub.core.errors import OutsideGridsError, ReportRejectedError
from hub.open311.access import Caller, Params, audit, identify, read_params
from hub.open311.catalog import Catalog
from hub.open311.errors import Open311Error, Open311Response, bad_request, not_found
from hub.open311.requests import Found, RequestQuery, RequestView, find, token_owner
from hub.open311.submit import report_of
from hub.security.audit import Action
from hub.security.principal import UNRESTRICTED
from hub.services import Services

PREFIX = "/open311/v2"
READ = ("events:read",)
REPORT = ("events:report",)
SUBMIT = "Open311.POST requests"  # how the audit trail names a submission
ADDRESS = "Open311.ServiceRequest.address"  # and an unmasked address

# Wrong ones get Open311's 405; OPTIONS says which are served, and only those.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

Handler = Callable[[Request, Params], Awaitable[Response]]


class Open311:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.security = services.security
        self.catalog = Catalog.build(services.bus.taxonomy, services.department_index)
        self.view = RequestView(services.bus.taxonomy, services.department_index)

    def operations(self) -> list[tuple[str, tuple[str, ...], Handler]]:
        """Path, allowed methods, handler: what the OpenAPI description must list."""
        return [
            ("/services.{format}", ("GET",), self.service_list),
            ("/services/{code}.{format}", ("GET",), self.service_definition),
            ("/requests.{format}", ("GET", "POST"), self.requests),
            ("/requests/{id}.{format}", ("GET",), self.one_request),
            ("/tokens/{token}.{format}", ("GET",), self.token),
        ]

    def routes(self) -> list[BaseRoute]:
        found: list[BaseRoute] = [
            Route(path, self._run(handler, allowed), methods=ANY_METHOD)
            for path, allowed, handler in self.operations()
        ]
        return [*found, Route("/{rest:path}", self._unknown, methods=ANY_METHOD)]

    def _run(
        self, handler: Handler, allowed: tuple[str, ...]
    ) -> Callable[[Request], Awaitable[Response]]:
        """Method and format checks, parameters, and every refusal in Open311's shape."""
        permitted = {*allowed, "HEAD"} if "GET" in allowed else set(allowed)
        allow = ", ".join([*allowed, *(["HEAD"] if "GET" in allowed else []), "OPTIONS"])

        async def endpoint(request: Request) -> Response:
            if request.method == "OPTIONS":
                return Response(status_code=204, headers={"Allow": allow})
            try:
                if request.method not in permitted:
                    raise Open311Error(405, f"use {' or '.join(allowed)} here", {"Allow": allow})
                if request.path_params["format"] != "json":
                    raise Open311Error(406, "this endpoint serves JSON only: use the .json suffix")
                params = await read_params(request, self.security.settings.max_body_bytes)
                return await handler(request, params)
            except Open311Error as error:
                return error.response()

        return endpoint

    async def _unknown(self, request: Request) -> Response:
        return not_found(f"no such Open311 resource: {request.url.path}").response()

    async def _caller(
        self, request: Request, params: Params, scopes: tuple[str, ...] | None
    ) -> Caller:
        return await identify(request, params, self.security, scopes)

    # -- services -----------------------------------------------------------------------

    async def service_list(self, request: Request, params: Params) -> Response:
        await self._caller(request, params, None)
        return Open311Response(self.catalog.services)

    async def service_definition(self, request: Request, params: Params) -> Response:
        await self._caller(request, params, None)
        definition = self.catalog.definitions.get(request.path_params["code"])
        if definition is None:
            raise not_found(f"no service {request.path_params['code']!r}; see services.json")
        return Open311Response(definition)

    # -- requests -----------------------------------------------------------------------

    async def requests(self, request: Request, params: Params) -> Response:
        if request.method == "POST":
            return await self.submit(request, params)
        caller = await self._caller(request, params, READ)
        query = RequestQuery.parse(params.values, datetime.now(UTC), params.blank)
        return await self._answer(caller, await self._find(caller, query))

    async def one_request(self, request: Request, params: Params) -> Response:
        caller = await self._caller(request, params, READ)
        found = await self._find(caller, RequestQuery(ids=(request.path_params["id"],)))
        if not found.records:
            raise not_found(f"no service request {request.path_params['id']!r}")
        return await self._answer(caller, found)

    async def _find(self, caller: Caller, query: RequestQuery) -> Found:
        grids = caller.principal.grids if caller.principal else UNRESTRICTED
        return await find(self.services.database, query, grids)

    async def _answer(self, caller: Caller, found: Found) -> Response:
        unmasked = caller.sees_personal_data
        if unmasked:
            keys = " ".join(f"GridEvent:{r.id}" for r in found.records if r.address is not None)
            if keys:
                await audit(self.security, caller, "open311 GET requests", reads=[(ADDRESS, keys)])
        return Open311Response(
            [self.view.render(r, found.notes.get(r.id), unmasked) for r in found.records]
        )

    async def submit(self, request: Request, params: Params) -> Response:
        caller = await self._caller(request, params, REPORT)
        try:
            record_id, notice = await self._report(caller, params)
        except Open311Error:
            await audit(
                self.security,
                caller,
                "open311 POST requests",
                changes=[(Action.MUTATION_REFUSED, SUBMIT, "")],
            )
            raise
        await audit(
            self.security,
            caller,
            "open311 POST requests",
            changes=[(Action.MUTATION, SUBMIT, f"GridEvent:{record_id}")],
        )
        reply = {
            "service_request_id": record_id,
            "token": record_id,  # the reported CloudEvent's id: see tokens/{token}.json
            "service_notice": notice,
            "account_id": caller.id,
        }
        return Open311Response([reply])

    async def _report(self, caller: Caller, params: Params) -> tuple[str, str]:
        code = params.get("service_code")
        if code is None:
            raise bad_request("service_code is required; see services.json")
        category = self.catalog.category(code)
        if category is None:
            raise bad_request(f"{code!r} is not a service; see services.json")
        report = report_of(params, category)
        self._check_place(caller, report.lat, report.lon)
        try:
            record = await self.services.bus.intake.report(report)
        except (OutsideGridsError, ReportRejectedError) as error:
            raise bad_request(str(error)) from error
        return record.id, self.view.notice(record)

    def _check_place(self, caller: Caller, lat: float, lon: float) -> None:
        """A grid-scoped key files only within its own grids, as it reads only those."""
        grids = caller.principal.grids if caller.principal else UNRESTRICTED
        placement = self.services.registry.locate(lat, lon)
        if placement is not None and not grids.contains(placement.grid):
            raise Open311Error(403, "the point lies outside the grids this api_key covers")

    async def token(self, request: Request, params: Params) -> Response:
        caller = await self._caller(request, params, READ + REPORT)
        token = request.path_params["token"]
        owner = await token_owner(self.services.database, token)
        if owner is None:
            raise not_found(f"no token {token!r}")
        found = await self._find(caller, RequestQuery(ids=(owner,)))
        if not found.records:
            raise not_found(f"no token {token!r}")
        return Open311Response([{"service_request_id": owner, "token": token}])


def open311_mount(services: Services) -> Mount:
    return Mount(PREFIX, routes=Open311(services).routes())
