"""The network under an upstream's connection pool: httpcore's own streams, with its
check of idle connections asked of the socket directly.

Before each request httpcore's pool checks every idle connection it holds: has the
system closed it (is it readable)? Its anyio streams answer by building anyio's whole
table of socket attributes, a dozen closures, once a check. With 16 connections to
each of four systems, those checks were 7-8 % of the hub's CPU serving the community
dashboard (``python -m bench.peer``). Here each stream keeps its socket from the
start and polls it; reading, writing, TLS and their errors stay httpcore's own.
"""

# The timeouts are httpcore's interface, each passed on to its own stream.
# ruff: noqa: ASYNC109

from __future__ import annotations

import select
import socket
import ssl
import sys
from collections.abc import Iterable
from typing import Any

import httpcore

# httpcore's own shape of a socket option (level, name, value or None and length)
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class SocketCheckedBackend(httpcore.AsyncNetworkBackend):
    """``backend``'s connections, each a ``SocketCheckedStream``."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return SocketCheckedStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(path, timeout, socket_options)
        return SocketCheckedStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class SocketCheckedStream(httpcore.AsyncNetworkStream):
    """``stream``, answering "is_readable" from the socket it was opened on (under TLS
    too: the check is whether the system sent anything or closed, encrypted or not)."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        secured = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return SocketCheckedStream(secured)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return readable(self._socket)
        if info == "socket":
            return self._socket
        return self._stream.get_extra_info(info)


def readable(sock: socket.socket | None) -> bool:
    """Whether reading ``sock`` would not wait: data came, or the peer closed. A socket
    gone counts as readable, so that the pool drops its connection."""
    if sock is None or sock.fileno() < 0:
        return True
    if sys.platform == "win32" or not hasattr(select, "poll"):
        ready, _, _ = select.select([sock], [], [], 0)
        return bool(ready)
    poller = select.poll()  # not select(): it cannot watch descriptors past 1,023
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))
