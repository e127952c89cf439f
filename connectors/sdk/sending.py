"""One request to an upstream, handed straight to its transport.

``httpx.AsyncClient`` spends CPU on every call in layers a connector has no use for:
merging the base URL, query, headers and cookie jar into a new request, and its
redirect and event-hook loops (a connector follows no redirects). Skipping them saves
130-160 µs of 620-1,050 per call on a 2-core machine (``python -m bench.http_client``).
``Sender`` builds the request from parts fixed at start and does the two things those
layers did that a connector needs: it runs the ``httpx.Auth`` flow (a token fetch, a
retry after a 401, a signature) and keeps the cookies an upstream sets (a load
balancer's sticky session). Requests and responses stay httpx's, so auth classes,
transports, ``MockTransport`` and respx work as with the client.

A connector talks to one system, so it has one transport (``upstream_transport``): it
goes through the proxy the environment names for the base URL (``HTTPS_PROXY``,
``HTTP_PROXY``, ``ALL_PROXY``, unless ``NO_PROXY`` lists its host), as httpx's client
would; a token endpoint on another host is reached the same way.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from typing import Any

import httpx

from connectors.sdk.http11 import AnswerTooLargeError
from connectors.sdk.network import AsyncioBackend
from connectors.sdk.pagination import Params
from connectors.sdk.pool import UpstreamPool
from connectors.sdk.settings import MAX_ANSWER_BYTES
from hub.core.tls import client_tls

USER_AGENT = "grid-hub"
# httpx's own defaults, named: the pool ``upstream_transport`` makes is given them
UPSTREAM_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
DEFAULT_HEADERS = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",  # what httpx decodes without optional packages
    "Connection": "keep-alive",
    "User-Agent": USER_AGENT,  # departments see who calls in their logs
}


class Sender:
    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self._base = base_url.rstrip("/") + "/" if base_url else ""
        self._auth = auth
        self._transport = transport or upstream_transport(base_url, max_answer_bytes)
        self._max_answer = max_answer_bytes
        self._headers = httpx.Headers(DEFAULT_HEADERS)
        self.cookies = httpx.Cookies()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        timeout_seconds: float,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The response, its body read; ``path`` is relative to the base URL, or whole.
        ``params``, when any, replace the path's own query, as with httpx's client;
        ``timeout_seconds`` bounds each phase (connect, write, each read) in the transport."""
        merged = self._headers.copy()
        if headers:
            merged.update(headers)
        request = httpx.Request(
            method,
            self._url(path),
            params=params or None,  # none: the path's own query stays as it is
            headers=merged,
            json=json,
            extensions={"timeout": httpx.Timeout(timeout_seconds).as_dict()},
        )
        response = await self._authenticated(request)
        await self._read(response)
        return response

    async def _read(self, response: httpx.Response) -> None:
        """The body, decoded, read into ``response.content``, as httpx's ``aread`` reads
        it but refused beyond ``max_answer_bytes``: a few KB of gzip can decode to GBs."""
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._max_answer:
                    raise AnswerTooLargeError(self._max_answer)
                chunks.append(chunk)
        finally:
            await response.aclose()
        response._content = b"".join(chunks)  # where aread keeps it; a test holds the name

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")) or not self._base:
            return path
        return self._base + path.lstrip("/")

    async def _authenticated(self, request: httpx.Request) -> httpx.Response:
        """The auth flow driven as httpx's client drives it: each request it yields is
        sent, and its response given back, until the flow ends."""
        if self._auth is None:
            return await self._exchange(request)
        flow = self._auth.async_auth_flow(request)
        try:
            request = await anext(flow)
            while True:
                response = await self._exchange(request)
                if self._auth.requires_response_body:
                    await self._read(response)
                try:
                    request = await flow.asend(response)
                except StopAsyncIteration:
                    return response
                await response.aclose()
        finally:
            await flow.aclose()

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        if self.cookies:
            self.cookies.set_cookie_header(request)
        response = await self._transport.handle_async_request(request)
        response.request = request
        if "set-cookie" in response.headers:
            self.cookies.extract_cookies(response)
        return response


def upstream_transport(
    base_url: str, max_answer_bytes: int = MAX_ANSWER_BYTES
) -> httpx.AsyncHTTPTransport:
    """The transport to one system: through the proxy the environment names for it, on
    asyncio's transports (``connectors.sdk.network``), and without a proxy through a
    pool whose assignment pass is linear (``connectors.sdk.pool``), whose connections
    stop reading an answer longer than ``max_answer_bytes``."""
    proxy = environment_proxy(base_url)
    tls = client_tls()
    transport = httpx.AsyncHTTPTransport(proxy=proxy, limits=UPSTREAM_LIMITS, verify=tls)
    # httpx passes no network backend or pool class through to its pool; the tests hold
    # these attributes to httpcore's, failing if a new version ignores them.
    if proxy is None:
        transport._pool = UpstreamPool(UPSTREAM_LIMITS, tls, AsyncioBackend(), max_answer_bytes)
    else:
        transport._pool._network_backend = AsyncioBackend()
    return transport


def environment_proxy(base_url: str) -> str | None:
    """The proxy the environment names for ``base_url``'s scheme and host, if any."""
    if not base_url:
        return None
    url = httpx.URL(base_url)
    proxies = urllib.request.getproxies()
    if not url.host or urllib.request.proxy_bypass(url.host):
        return None
    return proxies.get(url.scheme) or proxies.get("all")
