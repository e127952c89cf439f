"""What a GraphQL server behind a gateway received: each HTTP request's headers and
JSON body, recorded by an ASGI wrapper without changing what the server answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class Received:
    method: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)  # filled in once the app reads it

    @property
    def query(self) -> str:
        return str(self.body.get("query", ""))

    @property
    def representations(self) -> list[dict[str, Any]]:
        """The ``_entities`` representations it asked for; empty for any other request."""
        found: list[dict[str, Any]] = (self.body.get("variables") or {}).get("representations", [])
        return found


@dataclass
class RequestLog:
    """Wraps ``app``; ``received`` lists its GraphQL requests, oldest first."""

    app: ASGIApp
    received: list[Received] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def clear(self) -> None:
        self.received.clear()

    async def until(self, arrived: Callable[[Received], bool]) -> Received:
        """The first request received for which ``arrived`` holds, once there is one."""
        while True:
            found = next((r for r in self.received if arrived(r)), None)
            if found is not None:
                return found
            self._arrived.clear()
            await self._arrived.wait()

    def entity_calls(self) -> list[Received]:
        return [r for r in self.received if "_entities" in r.query]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/graphql"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        entry = Received(scope["method"], headers)
        self.received.append(entry)  # counted even if the app never reads the body
        if scope["method"] == "GET":
            entry.body = _from_query_string(scope["query_string"])
            self._arrived.set()
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recorded() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    entry.body = _from_json(b"".join(chunks))
                    self._arrived.set()
            return message

        await self.app(scope, recorded, send)


def _from_query_string(raw: bytes) -> dict[str, Any]:
    """GraphQL over HTTP's GET: the request's members in the query string."""
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    if "variables" in params:
        params["variables"] = json.loads(params["variables"])
    return params


def _from_json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"batch": body}
