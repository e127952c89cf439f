"""Sending below httpx's client: what its layers did for a connector still happens."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from connectors.sdk import ApiKeyAuth, ConnectorSettings, Deadline, UpstreamClient
from connectors.sdk.http11 import AnswerTooLargeError
from connectors.sdk.sending import USER_AGENT, Sender, environment_proxy
from hub.core import telemetry


def recording(*responses: httpx.Response) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return seen, httpx.MockTransport(handler)


async def test_a_path_is_joined_to_the_base_and_the_params_make_its_query() -> None:
    seen, transport = recording(httpx.Response(200, json={"ok": True}), httpx.Response(200))
    sender = Sender("http://up.test/api/v2", None, transport)
    response = await sender.request(
        "GET", "/cases", params={"grid": "A,B", "size": "100"}, timeout_seconds=1.5
    )
    await sender.request("GET", "cases?page=2", timeout_seconds=1)  # a next-page link
    assert response.json() == {"ok": True}
    url = seen[0].url
    assert (url.host, url.path) == ("up.test", "/api/v2/cases")
    assert dict(url.params) == {"grid": "A,B", "size": "100"}
    assert str(seen[1].url) == "http://up.test/api/v2/cases?page=2"
    assert seen[0].extensions["timeout"] == httpx.Timeout(1.5).as_dict()
    assert response.request is seen[0]


async def test_a_request_carries_the_defaults_the_auth_and_its_own_headers() -> None:
    seen, transport = recording(httpx.Response(201))
    sender = Sender("http://up.test", ApiKeyAuth("k-1"), transport)
    body = {"title": "积水"}
    await sender.request(
        "POST", "orders", json=body, headers={"Idempotency-Key": "o-1"}, timeout_seconds=1
    )
    headers = seen[0].headers
    assert headers["user-agent"] == USER_AGENT
    assert headers["accept-encoding"] == "gzip, deflate"
    assert headers["x-api-key"] == "k-1"
    assert headers["idempotency-key"] == "o-1"
    assert httpx.Response(200, content=seen[0].content).json() == body


async def test_cookies_an_upstream_sets_are_sent_back_on_later_calls() -> None:
    sticky = httpx.Response(200, headers={"Set-Cookie": "lb=node-2; Path=/"})
    seen, transport = recording(sticky, httpx.Response(200))
    sender = Sender("http://up.test", None, transport)
    await sender.request("GET", "/a", timeout_seconds=1)
    await sender.request("GET", "/b", timeout_seconds=1)
    assert "cookie" not in seen[0].headers
    assert seen[1].headers["cookie"] == "lb=node-2"


async def test_a_whole_url_is_sent_as_it_is() -> None:
    seen, transport = recording(httpx.Response(200))
    await Sender("http://up.test/api", None, transport).request(
        "GET", "http://other.test/x", timeout_seconds=1
    )
    assert str(seen[0].url) == "http://other.test/x"


async def test_a_transport_failure_reaches_the_caller_as_httpx_raises_it() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sender = Sender("http://up.test", ApiKeyAuth("k"), httpx.MockTransport(refuse))
    with pytest.raises(httpx.ConnectError):
        await sender.request("GET", "/a", timeout_seconds=1)


async def test_an_answer_is_refused_beyond_the_limit_once_decoded() -> None:
    """A few KB of gzip that decode to 2 MB: refused as the decoding passes the limit."""
    zeros = gzip.compress(b"0" * 2_000_000)
    bomb = httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=zeros)
    _, transport = recording(bomb)
    with pytest.raises(AnswerTooLargeError) as failure:
        await Sender("http://up.test", None, transport, 1_000_000).request(
            "GET", "/a", timeout_seconds=1
        )
    assert failure.value.limit == 1_000_000
    assert len(zeros) < 10_000
    small = gzip.compress(b'{"grid": "330199001001001"}')
    _, transport = recording(
        httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=small)
    )
    read = await Sender("http://up.test", None, transport, 1024).request(
        "GET", "/a", timeout_seconds=1
    )
    assert read.json() == {"grid": "330199001001001"}  # decoded, as httpx's aread leaves it
    assert read.is_closed


def test_the_environment_names_the_proxy_unless_no_proxy_lists_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    assert environment_proxy("https://police.example.gov.cn/api") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("ALL_PROXY", "http://fallback.internal:3128")
    monkeypatch.setenv("NO_PROXY", "health.internal")
    assert environment_proxy("https://police.example.gov.cn/api") == "http://proxy.internal:3128"
    assert environment_proxy("http://citymgmt.example.gov.cn") == "http://fallback.internal:3128"
    assert environment_proxy("http://health.internal:8080") is None
    assert environment_proxy("") is None


@pytest.fixture
async def forward_proxy() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A forward proxy on a real socket that answers every request itself: its URL and
    the request lines it was sent."""
    lines: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines.append((await reader.readuntil(b"\r\n\r\n")).split(b"\r\n", 1)[0])
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", lines


@pytest.mark.parametrize("traced", [False, True], ids=["untraced", "traced"])
async def test_a_connector_reaches_its_system_through_the_environments_proxy(
    traced: bool, forward_proxy: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, lines = forward_proxy
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", url)
    if traced:
        telemetry.install(TracerProvider())
    try:
        client = UpstreamClient("police", ConnectorSettings(base_url="http://police.test"), None)
        response = await client.request("GET", "/incidents", Deadline.after(5))
        await client.aclose()
    finally:
        telemetry.uninstall()
    assert response.status_code == 200
    assert lines == [b"GET http://police.test/incidents HTTP/1.1"]
