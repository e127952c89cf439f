"""Recording example exchanges with a simulator, one file each (contracts/upstream/README.md).

Credentials are never written: no auth headers, and an issued access token is replaced
by a placeholder. A response keeps its content type and the headers its contract
declares for it (``X-Total-Count``, ``Link``, ``Retry-After`` …).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import httpx

from connectors.sdk.simulation.app import DEFAULT_ADMIN_TOKEN

TOKEN_PLACEHOLDER = "recorded-token-not-a-credential"  # noqa: S105 - replaces the real one
ALWAYS_KEPT = frozenset({"content-type"})

DeclaredHeaders = Callable[[str, str, int], Collection[str]]
"""(method, concrete path, status) → the response headers the contract declares."""


class NoAuth(httpx.Auth):
    """Sends the request as it is: what an unauthenticated caller does."""


class Recorder:
    """Sends requests to one simulator and writes each exchange to a file of its own."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        folder: Path,
        declared: DeclaredHeaders = lambda method, path, status: (),
    ) -> None:
        self.client = client
        self.folder = folder
        self.declared = declared
        self.written: list[Path] = []

    async def __call__(  # noqa: PLR0913 - a request's parts
        self,
        name: str,
        title: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        """Send a request and write the exchange as ``<name>.json``; returns the answer."""
        request = self.client.build_request(
            method, path, params=params, json=json_body, headers=headers
        )
        response = await self.client.send(request, auth=auth or self.client.auth)
        sent = {
            "method": method,
            "path": request.url.path,
            "query": dict(params or {}),
            "headers": dict(headers or {}),
            "body": json_body,
        }
        self.write(name, title, sent, response)
        return response

    def write(self, name: str, title: str, sent: dict[str, Any], response: httpx.Response) -> None:
        """One exchange to its own file: what was sent, and what came back."""
        wanted = ALWAYS_KEPT | {
            header.lower()
            for header in self.declared(sent["method"], sent["path"], response.status_code)
        }
        kept = {k: response.headers[k] for k in sorted(wanted) if k in response.headers}
        exchange = {
            "name": title,
            "request": sent,
            "response": {"status": response.status_code, "headers": kept, "body": _body(response)},
        }
        path = self.folder / f"{name}.json"
        path.write_text(json.dumps(exchange, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.written.append(path)

    async def admin(self, method: str, path: str, body: Any = None) -> None:
        """A call to the simulator's ``/_admin`` controls, not recorded."""
        headers = {"X-Admin-Token": DEFAULT_ADMIN_TOKEN}
        response = await self.client.request(method, path, json=body, headers=headers)
        response.raise_for_status()


def _body(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict) and "access_token" in body:
        body["access_token"] = TOKEN_PLACEHOLDER
    return body
