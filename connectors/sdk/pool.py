"""The connection pool to one upstream: httpcore's, with a linear assignment pass.

httpcore runs ``_assign_requests_to_connections`` twice a request (when it arrives and
when its response closes). Its pass counts the pool's connections once for every idle
one and scans them all again for every queued request: quadratic in the connections.
Under ``python -m bench.peer`` (16 callers, one connection each to the police system)
it was about 7% of the hub's CPU. The quadratic count is also wrong: it counts every
connection where it means the idle ones, so idle connections were closed while the
pool held fewer than ``max_keepalive_connections`` of them (encode/httpcore#1035, open
as of 1.0.9).

The pass here walks the connections once, keeps up to ``max_keepalive_connections``
idle ones (closing the oldest beyond that), and hands each idle connection to one
queued request: an HTTP/1.1 connection serves one request at a time, and a connection
already handed to a request that has not started on it yet is neither handed again nor
closed as surplus (one that expired meanwhile is closed, and its request tries again,
as in httpcore). This pool is made without HTTP/2, so no connection is shared.

Its connections are httpcore's, each exchange spoken by ``connectors.sdk.http11``.
"""

from __future__ import annotations

from ssl import SSLContext
from typing import TYPE_CHECKING

import httpcore
from httpcore import AsyncConnectionInterface, AsyncConnectionPool, AsyncNetworkBackend
from httpx import Limits

from connectors.sdk.http11 import UpstreamConnection

if TYPE_CHECKING:
    from httpcore._async.connection_pool import AsyncPoolRequest


class UpstreamPool(AsyncConnectionPool):
    """httpcore's pool for HTTP/1.1 only, its assignment pass linear in its connections."""

    def __init__(
        self,
        limits: Limits,
        ssl_context: SSLContext,
        network_backend: AsyncNetworkBackend,
        max_body: int,
    ) -> None:
        self._max_body = max_body  # of an answer, as sent
        super().__init__(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,  # what lets an idle connection go to one request only
            network_backend=network_backend,
        )

    def _assign_requests_to_connections(self) -> list[AsyncConnectionInterface]:
        # Handed to a request that has not started on it yet: neither free nor surplus.
        reserved = {id(each.connection) for each in self._requests if each.connection}
        kept = [each for each in self._connections if not each.is_closed()]
        closing = [each for each in kept if each.has_expired()]
        kept = [each for each in kept if each not in closing] if closing else kept
        idle = [each for each in kept if id(each) not in reserved and each.is_idle()]
        surplus = len(idle) - self._max_keepalive_connections
        if surplus > 0:
            closing += idle[:surplus]  # the oldest first, as httpcore closes them
            kept = [each for each in kept if each not in idle[:surplus]]
            idle = idle[surplus:]
        for pool_request in self._requests:
            if pool_request.is_queued():
                connection = self._connection_for(pool_request, kept, idle, closing)
                if connection is None:
                    break  # nothing free: the rest wait for a response to close
                pool_request.assign_to_connection(connection)
        self._connections = kept
        return closing

    def _connection_for(
        self,
        pool_request: AsyncPoolRequest,
        kept: list[AsyncConnectionInterface],
        idle: list[AsyncConnectionInterface],
        closing: list[AsyncConnectionInterface],
    ) -> AsyncConnectionInterface | None:
        """An idle connection to the request's origin, else a new one, making room by
        closing an idle one to another origin when the pool is full; None when full."""
        origin = pool_request.request.url.origin
        connection = next((each for each in idle if each.can_handle_request(origin)), None)
        if connection is not None:
            idle.remove(connection)
            return connection
        if len(kept) >= self._max_connections:
            if not idle:
                return None
            closing.append(spare := idle.pop(0))
            kept.remove(spare)
        connection = self.create_connection(origin)
        kept.append(connection)
        return connection

    def create_connection(self, origin: httpcore.Origin) -> AsyncConnectionInterface:
        return UpstreamConnection(
            max_body=self._max_body,
            origin=origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry,
            http1=True,
            http2=False,
            retries=self._retries,
            local_address=self._local_address,
            uds=self._uds,
            network_backend=self._network_backend,
            socket_options=self._socket_options,
        )
