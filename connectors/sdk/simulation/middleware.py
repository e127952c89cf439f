"""The misbehaviour in front of every simulated API: counting, faults, limits, auth.

In order, for each request that is not an admin request:
count it by route → apply the faults (hang, latency, errors) → rate-limit the client →
check its credentials → let the system answer → rewrite a successful answer when a
``malformed`` or ``contract_break`` fault says so.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.sdk.simulation.auth import Authenticator
from connectors.sdk.simulation.errors import ErrorStyle, SimulatorError
from connectors.sdk.simulation.faults import (
    MALFORMED_BODY,
    Faults,
    FaultSwitch,
    break_contract,
)
from connectors.sdk.simulation.limits import RateLimiter
from connectors.sdk.simulation.stats import RequestStats, route_template

ADMIN_PREFIX = "/_admin/"


@dataclass
class Controls:
    """What the admin endpoints change and the middleware obeys."""

    limiter: RateLimiter
    switch: FaultSwitch = field(default_factory=FaultSwitch)
    stats: RequestStats = field(default_factory=RequestStats)
    random: random.Random = field(default_factory=random.Random)  # for error_rate
    _override: tuple[Faults, RateLimiter] | None = None

    def limiter_for(self, faults: Faults) -> RateLimiter:
        if faults.rate_limit is None:
            return self.limiter
        if self._override is None or self._override[0] is not faults:
            limit = faults.rate_limit
            self._override = (faults, RateLimiter(limit.per_second, limit.burst))
        return self._override[1]


class SimulatorMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        controls: Controls,
        auth: Authenticator,
        style: ErrorStyle,
        routes: list[BaseRoute],
        public_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.controls = controls
        self.auth = auth
        self.style = style
        self.routes = routes
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        self.controls.stats.count(scope["method"], route_template(self.routes, scope))
        body = await read_body(receive)
        faults = self.controls.switch.faults
        affected = faults.affects(scope["path"])
        try:
            if affected:
                await self._misbehave(faults)
            self._admit(Request(scope), body, faults if affected else Faults())
        except SimulatorError as error:
            await error.response(self.style)(scope, receive, send)
            return
        replay = replaying(body, receive)
        if affected and faults.rewrites_body:
            send = rewriting(send, faults)
        await self.app(scope, replay, send)

    async def _misbehave(self, faults: Faults) -> None:
        if faults.hang:
            await self.controls.switch.hold()
            raise SimulatorError(503, "the request was held by a hang fault and released")
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.error_rate and self.controls.random.random() < faults.error_rate:
            raise SimulatorError(faults.error_status, "simulated failure")

    def _admit(self, request: Request, body: bytes, faults: Faults) -> None:
        client = self.auth.client(request, body) or _address(request)
        wait = self.controls.limiter_for(faults).take(client)
        if wait is not None:
            raise SimulatorError(429, "too many requests", {"Retry-After": str(wait)})
        if request.url.path not in self.public_paths:
            self.auth.check(request, body)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the real stream."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def rewriting(send: Send, faults: Faults) -> Send:
    """A ``send`` that holds a successful JSON answer back and rewrites it."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def rewrite(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        if start["status"] < 400 and body:
            body = MALFORMED_BODY if faults.malformed else _broken(body)
        await send(_with_length(start, len(body)))
        await send({"type": "http.response.body", "body": body})

    return rewrite


def _broken(body: bytes) -> bytes:
    try:
        document = json.loads(body)
    except ValueError:
        return body
    return json.dumps(break_contract(document), ensure_ascii=False).encode()


def _with_length(start: Message, length: int) -> Message:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    return {**start, "headers": [*headers, (b"content-length", str(length).encode())]}
