"""Health, readiness and metrics endpoints: what orchestrators and Prometheus read.

``/healthz`` and ``/readyz`` answer anyone: an orchestrator probes without credentials,
and neither says more than ok or which dependency is down. ``/metrics`` names
operations and error rates, so it needs the scope ``metrics:read`` (the ``monitoring``
role); it is mounted behind the gate in ``hub.app``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.db.outage import outage_log
from hub.services import Services

Endpoint = Callable[[Request], Awaitable[Response]]
METRICS = "metrics:read"


def probes(services: Services) -> dict[str, Endpoint]:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        """Ready only when every dependency answers; anything else fails closed with 503."""
        checks: dict[str, str] = {}
        try:
            await services.database.ping()
            checks["database"] = "ok"
        except Exception as error:
            outage_log.warning("readiness: database unreachable", extra={"error": str(error)})
            checks["database"] = "unreachable"
        checks.update(await services.security.readiness())
        ready = all(status == "ok" for status in checks.values())
        body = {
            "status": "ready" if ready else "not ready",
            "checks": checks,
            "registryRevision": services.registry.revision,
            # Not a check: reports are taken into the outbox while the bus is away or
            # a part of it restarts; it says which part, as it is now.
            "bus": services.bus.condition(database_reachable=checks["database"] == "ok"),
            # Not checks either: one department's system being down leaves the others
            # (and reporting) working. Each as its breaker and recent calls have it now.
            "departments": {
                c.name: services.connectors.status(c).health.value for c in services.connectors
            },
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    return {"/healthz": healthz, "/readyz": readyz}


def metrics_endpoint(services: Services) -> Endpoint:
    async def metrics(_: Request) -> Response:
        return Response(
            services.metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    return metrics
