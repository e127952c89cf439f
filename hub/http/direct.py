"""A subscription's results written to its WebSocket at once, by the stream it follows.

``hub serve``'s WebSocket protocol (``hub.cli.websocket``) offers each connection's
scope a function under ``DIRECT_TEXT`` that frames and writes a text message now, or
says it cannot (the socket is backed up, the connection is closing). For each
graphql-transport-ws operation, ``HubTransportWS`` makes from it the writer a shared
stream's follower uses (``schema.shared_streams.DIRECT_WRITER``): the ``next`` message
strawberry would send for that result, as strawberry would encode it. Where the server
offers no such function (another ASGI server, a test client) nothing changes: every
result goes through the operation's task and the ASGI ``send``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import ExecutionResult

from hub.core.jsonbody import encode_json
from schema import HubContext
from schema.shared_streams import DIRECT_WRITER, Writer

DIRECT_TEXT = "hub.websocket.send_text_now"  # the scope extension's name

SendTextNow = Callable[[str], bool]


class HubTransportWS(BaseGraphQLTransportWSHandler[HubContext, None]):
    """Strawberry's graphql-transport-ws handler, each operation given a direct writer."""

    async def run_operation(self, operation: Operation[HubContext, None]) -> None:
        DIRECT_WRITER.set(self._writer(operation))  # this operation's own task and context
        await super().run_operation(operation)

    def _writer(self, operation: Operation[HubContext, None]) -> Writer | None:
        socket = getattr(self.websocket, "ws", None)  # strawberry's ASGI adapter's
        scope: dict[str, Any] = getattr(socket, "scope", None) or {}
        send_text_now = cast("SendTextNow | None", scope.get("extensions", {}).get(DIRECT_TEXT))
        if send_text_now is None:
            return None
        prefix = '{"id":' + encode_json(operation.id).decode() + ',"type":"next","payload":'

        def write(result: ExecutionResult) -> bool:
            if operation.completed or self.operations.get(operation.id) is not operation:
                return False  # ended, or the client completed it: nothing more to send
            try:
                text = prefix + encode_json(next_payload(result)).decode() + "}"
            except TypeError:  # not JSON's to encode: the task's own send says so
                return False
            return send_text_now(text)

        return write


def next_payload(result: ExecutionResult) -> dict[str, object]:
    """A ``next`` message's payload, as strawberry's ``Operation.send_next`` makes it."""
    payload: dict[str, object] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload
