"""Request logging and HTTP metrics, as one small pure-ASGI middleware."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.observability.metrics import Metrics

log = logging.getLogger("hub.http")

KNOWN_ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})


class RequestLog:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        path = scope["path"]
        route = path if path in KNOWN_ROUTES else _prefix(path)
        self.metrics.http_requests.labels(route, scope["method"], str(status)).inc()
        log.info(
            "request",
            extra={
                "method": scope["method"],
                "path": path,
                "status": status,
                "ms": round(elapsed * 1000, 2),
            },
        )


def _prefix(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    return f"/{first}/…" if first else "/"
