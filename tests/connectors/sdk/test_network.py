"""The upstream pool's streams: its idle check asked of the socket, over real sockets,
plain and TLS."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import httpcore
import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.sdk.network import SocketCheckedBackend, SocketCheckedStream, readable
from connectors.sdk.sending import upstream_transport

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


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
    response = await transport.handle_async_request(
        httpx.Request("GET", f"http://127.0.0.1:{port}/")
    )
    await response.aread()
    return response


async def test_the_upstream_transport_opens_socket_checked_streams() -> None:
    async with serving(System()) as port:
        transport = upstream_transport(f"http://127.0.0.1:{port}")
        response = await get(transport, port)
        await transport.aclose()
    assert response.content == b"ok"
    assert isinstance(response.extensions["network_stream"], SocketCheckedStream)


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


def test_a_socket_is_readable_when_data_came_or_the_peer_closed() -> None:
    near, far = socket.socketpair()
    with near, far:
        assert not readable(near)
        far.send(b"x")
        assert readable(near)
        near.recv(1)
        assert not readable(near)
        far.close()
        assert readable(near)
    assert readable(near)  # closed here: gone, so the pool drops it
    assert readable(None)


async def test_under_tls_the_check_still_asks_the_socket(tmp_path: Path) -> None:
    server_context, client_context = tls_contexts(tmp_path)
    system = System()
    async with serving(system, server_context) as port:
        backend = SocketCheckedBackend(httpcore.AnyIOBackend())
        plain = await backend.connect_tcp("127.0.0.1", port, timeout=5)
        stream = await plain.start_tls(client_context, "localhost", timeout=5)
        assert isinstance(stream, SocketCheckedStream)
        assert stream.get_extra_info("ssl_object") is not None
        await stream.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=5)
        assert await stream.read(1024, timeout=5) == ANSWER
        assert not stream.get_extra_info("is_readable")
        await stream.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=5)
        # the second answer, still encrypted, once the system has sent it
        assert await soon(lambda: bool(stream.get_extra_info("is_readable")))
        await stream.aclose()


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
