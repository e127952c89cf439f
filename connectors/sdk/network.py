"""The network under an upstream's connection pool: httpcore's network backend interface
on asyncio's own transports, with no anyio in between.

httpcore's default backend reads and writes through anyio: a cancel scope for every
read and write (each asking ``asyncio.current_task()``), and a stream that stops
reading between responses, so that the pool's check of each idle connection before
every request (has the system closed it?) had to poll the socket. Under
``python -m bench.peer`` those were about a tenth of the hub's CPU.

Here a connection's protocol keeps reading: what arrives waits in its buffer (reading
pauses past ``HIGH_WATER`` and resumes below ``LOW_WATER``), and a system's close of an
idle connection reaches it through the event loop, so the idle check reads two fields.
Timeouts and errors are httpcore's own (``ReadTimeout``, ``ConnectError`` …), as its
anyio backend raises them.
"""

# The timeouts are httpcore's interface, each passed on to asyncio.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any, cast

import httpcore

# httpcore's own shape of a socket option (level, name, value or None and length)
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
HIGH_WATER = 256 * 1024  # bytes buffered before the connection stops reading
LOW_WATER = 64 * 1024  # … and below which it reads again


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections on asyncio transports, each an ``AsyncioStream``."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        with _Raising(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                transport, buffer = await loop.create_connection(
                    Buffer, host, port, local_addr=local
                )
        return _configured(AsyncioStream(transport, buffer), socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        with _Raising(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                transport, buffer = await loop.create_unix_connection(Buffer, path)
        return _configured(AsyncioStream(transport, buffer), socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Buffer(asyncio.Protocol):
    """What a connection received and not yet read, whether the system closed it, and
    whether the transport can take more writes."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.ended = False  # the system closed its side, or the connection is lost
        self.error: BaseException | None = None
        self._transport: asyncio.Transport | None = None
        self._paused = False  # reading, past the high-water mark
        self._arrived: asyncio.Future[None] | None = None
        self._writable = asyncio.Event()
        self._writable.set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.reading_through(transport)

    def reading_through(self, transport: asyncio.BaseTransport) -> None:
        """The transport whose reading pauses and resumes: TLS's own, once started."""
        self._transport = cast("asyncio.Transport", transport)  # uvloop's subclasses none

    def data_received(self, data: bytes) -> None:
        self.data += data
        if len(self.data) > HIGH_WATER and self._transport is not None and not self._paused:
            self._transport.pause_reading()
            self._paused = True
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # HTTP/1.1 cannot go on half-closed: the transport closes

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended, self.error = True, exc
        self._writable.set()
        self._wake()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def readable(self) -> bool:
        """Whether a read would not wait: data came, or the system closed."""
        return bool(self.data) or self.ended

    async def take(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` received; b"" once the system closed and all was read."""
        while not self.data and not self.ended:
            self._arrived = asyncio.get_running_loop().create_future()
            await self._arrived
        if len(self.data) <= max_bytes:  # the usual case: one copy, not two
            chunk = bytes(self.data)
            self.data.clear()
        else:
            chunk = bytes(self.data[:max_bytes])
            del self.data[:max_bytes]
        if self._paused and len(self.data) < LOW_WATER and self._transport is not None:
            self._transport.resume_reading()
            self._paused = False
        if not chunk and self.error is not None:
            raise self.error
        return chunk

    @property
    def writable(self) -> bool:
        return self._writable.is_set()

    async def drained(self) -> None:
        await self._writable.wait()

    def _wake(self) -> None:
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection: ``transport`` writes, ``buffer`` holds what it read."""

    def __init__(self, transport: asyncio.Transport, buffer: Buffer) -> None:
        self._transport = transport
        self._buffer = buffer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._buffer.data:  # no timer needed for what is already here
            return await self._buffer.take(max_bytes)
        with _Raising(httpcore.ReadTimeout, httpcore.ReadError):
            async with asyncio.timeout(timeout):
                return await self._buffer.take(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with _Raising(httpcore.WriteTimeout, httpcore.WriteError):
            if self._transport.is_closing():
                raise ConnectionResetError("the connection is closed")
            self._transport.write(buffer)
            if not self._buffer.writable:  # the transport holds more than it likes
                async with asyncio.timeout(timeout):
                    await self._buffer.drained()

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            with _Raising(httpcore.ConnectTimeout, httpcore.ConnectError):
                async with asyncio.timeout(timeout):
                    secured = await loop.start_tls(
                        self._transport, self._buffer, ssl_context, server_hostname=server_hostname
                    )
        except Exception:
            await self.aclose()
            raise
        assert secured is not None  # None only for a server-side handshake
        self._buffer.reading_through(secured)
        return AsyncioStream(secured, self._buffer)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._buffer.readable()
        name = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        if name in ("ssl_object", "sockname", "peername", "socket"):
            return self._transport.get_extra_info(name)
        return None


def _configured(
    stream: AsyncioStream, options: Iterable[SocketOption] | None
) -> httpcore.AsyncNetworkStream:
    """asyncio sets TCP_NODELAY on TCP sockets itself; these are the caller's."""
    raw = stream.get_extra_info("socket")  # asyncio's view of it, which sets options
    if raw is not None:
        for option in options or ():
            raw.setsockopt(*option)
    return stream


class _Raising:
    """httpcore's exceptions for asyncio's: ``timed_out`` for a timeout, ``failed`` for
    a failing socket or TLS handshake."""

    def __init__(self, timed_out: type[Exception], failed: type[Exception]) -> None:
        self.timed_out, self.failed = timed_out, failed

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        if isinstance(error, TimeoutError):
            raise self.timed_out(str(error) or "timed out") from error
        if isinstance(error, OSError | EOFError):  # ssl.SSLError is an OSError
            raise self.failed(str(error) or type(error).__name__) from error
