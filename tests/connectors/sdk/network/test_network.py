"""The upstream pool's streams on asyncio's transports, over real sockets, plain and
TLS: reading, writing, httpcore's errors, and the idle check answered from what the
connection received. On asyncio's loop and on uvloop's (``conftest.py``)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import httpcore
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.sdk.network import HIGH_WATER, AsyncioBackend, AsyncioStream
from connectors.sdk.sending import upstream_transport
from hub.core.tls import client_tls

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
TIMEOUTS = dict.fromkeys(("connect", "read", "write", "pool"), 5.0)  # a hang fails


class System:
    """A department system on loopback answering ``ok`` to each request; with
    ``one_each``, it closes each connection once it has answered."""

    def __init__(self, *, one_each: bool = False) -> None:
        self.one_each = one_each
        self.connections = 0
        self.closed = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(ANSWER)
                await writer.drain()
                if self.one_each:
                    break
        except asyncio.IncompleteReadError:
            pass  # the hub closed it first
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()
            self.closed.set()


@asynccontextmanager
async def serving(system: System, context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    server = await asyncio.start_server(system.serve, "127.0.0.1", 0, ssl=context)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def get(transport: httpx.AsyncHTTPTransport, port: int) -> httpx.Response:
    request = httpx.Request("GET", f"http://127.0.0.1:{port}/", extensions={"timeout": TIMEOUTS})
    response = await transport.handle_async_request(request)
    await response.aread()
    return response


async def test_the_upstream_transport_opens_asyncio_streams() -> None:
    async with serving(System()) as port:
        transport = upstream_transport(f"http://127.0.0.1:{port}")
        response = await get(transport, port)
        await transport.aclose()
    assert response.content == b"ok"
    assert isinstance(response.extensions["network_stream"], AsyncioStream)


def test_every_upstream_transport_verifies_with_the_one_shared_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Direct or through a proxy, no transport loads root certificates of its own."""
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    direct = [upstream_transport(f"http://{host}.example") for host in ("police", "health")]
    proxied = upstream_transport("https://city.example")
    assert isinstance(proxied._pool, httpcore.AsyncHTTPProxy)
    for transport in [*direct, proxied]:
        assert transport._pool._ssl_context is client_tls()


async def test_an_idle_connection_the_system_closed_is_not_used_again() -> None:
    system = System(one_each=True)
    async with serving(system) as port:
        transport = upstream_transport(f"http://127.0.0.1:{port}")
        assert (await get(transport, port)).content == b"ok"
        await asyncio.wait_for(system.closed.wait(), timeout=5)
        await asyncio.sleep(0.05)  # the FIN reaches the hub's side of the socket
        assert (await get(transport, port)).content == b"ok"
        await transport.aclose()
    assert system.connections == 2


async def test_a_connection_is_readable_when_data_came_or_the_system_closed() -> None:
    closing = asyncio.Event()

    async def answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ANSWER)
        await closing.wait()
        writer.close()

    server = await asyncio.start_server(answer_then_close, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        assert not stream.get_extra_info("is_readable")
        await stream.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        assert await soon(lambda: bool(stream.get_extra_info("is_readable")))
        assert await stream.read(1024, timeout=5) == ANSWER
        assert not stream.get_extra_info("is_readable")  # all read, still open
        closing.set()
        assert await soon(lambda: bool(stream.get_extra_info("is_readable")))
        assert await stream.read(1024, timeout=5) == b""  # the end: httpcore's "disconnected"
        await stream.aclose()


async def test_a_read_that_waits_too_long_is_httpcores_read_timeout() -> None:
    async with serving(System()) as port:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(1024, timeout=0.05)  # asked nothing: the system says nothing
        await stream.aclose()


async def test_a_refused_connection_and_a_write_after_close_are_httpcores_errors() -> None:
    async with serving(System()) as port:
        pass  # closed: nothing listens there now
    with pytest.raises(httpcore.ConnectError):
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
    async with serving(System()) as port:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await stream.aclose()
        with pytest.raises(httpcore.WriteError):
            await stream.write(b"GET / HTTP/1.1\r\n\r\n", timeout=5)


async def test_an_answer_larger_than_the_buffer_arrives_whole() -> None:
    """Reading pauses past the high-water mark and resumes as the pool reads on."""
    body = bytes(range(256)) * (4 * HIGH_WATER // 256)

    async def large(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(large, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        transport = upstream_transport(f"http://127.0.0.1:{port}")
        response = await get(transport, port)
        await transport.aclose()
    assert response.content == body


async def test_under_tls_too(tmp_path: Path) -> None:
    server_context, client_context = tls_contexts(tmp_path)
    system = System()
    async with serving(system, server_context) as port:
        plain = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        stream = await plain.start_tls(client_context, "localhost", timeout=5)
        assert isinstance(stream, AsyncioStream)
        assert stream.get_extra_info("ssl_object") is not None
        await stream.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=5)
        assert await stream.read(1024, timeout=5) == ANSWER
        assert not stream.get_extra_info("is_readable")
        await stream.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=5)
        # the second answer, still encrypted, once the system has sent it
        assert await soon(lambda: bool(stream.get_extra_info("is_readable")))
        await stream.aclose()
        plain = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        with pytest.raises(httpcore.ConnectError):  # the certificate names another host
            await plain.start_tls(client_context, "elsewhere", timeout=5)


async def soon(check: Callable[[], bool], seconds: float = 5) -> bool:
    """Whether ``check`` holds within ``seconds``, asked every few milliseconds."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


def tls_contexts(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server's context with a self-signed certificate for localhost, and a client's
    that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2100, 1, 1, tzinfo=UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    return server, ssl.create_default_context(cafile=cert_file)
