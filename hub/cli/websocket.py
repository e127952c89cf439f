"""The WebSocket protocol ``hub serve`` gives uvicorn: per-message deflate only for the
messages worth compressing.

uvicorn's own protocol (websockets' sans-I/O implementation) compresses every message
when the client offers per-message deflate, as browsers do. A subscription's update is
about a hundred bytes: compressing it saves a few dozen, for zlib's CPU on every
message to every subscriber and a compressor's state (about 36 KiB) on every
connection. RFC 7692 lets a sender leave any message uncompressed (RSV1 clear), and
the receiver's decompressor never sees it, so the two stay in step. Messages under
``min_bytes`` therefore go as they are (Node's ``ws`` does the same below 1 KiB);
larger ones are compressed as before, and a connection's compressor is made when its
first such message is sent.

The protocol also offers each connection's ASGI scope ``send_text_now`` (under
``hub.http.direct.DIRECT_TEXT``): a text message framed and written at once, as
``send`` would, or False when it cannot be (not open, closing, the socket backed up).
A shared subscription stream writes its followers' results with it.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Sequence
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.exceptions import InvalidState
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import CTRL_OPCODES, Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol
from websockets.typing import ExtensionParameter

from hub.http.direct import DIRECT_TEXT

# uvicorn's own settings for the extension: a 4 KiB window each way, a small hash table
DEFLATE_SETTINGS: dict[str, Any] = {
    "server_max_window_bits": 12,
    "client_max_window_bits": 12,
    "compress_settings": {"memLevel": 5},
}


class SmallUncompressed(PerMessageDeflate):
    """Per-message deflate that sends messages under ``min_bytes`` uncompressed."""

    def __init__(self, agreed: PerMessageDeflate, min_bytes: int) -> None:
        super().__init__(
            agreed.remote_no_context_takeover,
            agreed.local_no_context_takeover,
            agreed.remote_max_window_bits,
            agreed.local_max_window_bits,
            agreed.compress_settings,
        )
        self.min_bytes = min_bytes
        if not self.local_no_context_takeover:
            del self.encoder  # made for the first message worth compressing

    def encode(self, frame: Frame) -> Frame:
        if frame.opcode in CTRL_OPCODES:
            return frame  # never compressed: uvicorn's keepalive pings make no compressor
        whole = frame.opcode is not Opcode.CONT and frame.fin
        if whole and len(frame.data) < self.min_bytes:
            return frame  # RSV1 clear: the receiver takes it as it is
        if not self.local_no_context_takeover and not hasattr(self, "encoder"):
            self.encoder = zlib.compressobj(
                wbits=-self.local_max_window_bits, **self.compress_settings
            )
        return super().encode(frame)


class _Factory(ServerPerMessageDeflateFactory):
    def __init__(self, min_bytes: int) -> None:
        super().__init__(**DEFLATE_SETTINGS)
        self.min_bytes = min_bytes

    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        response, agreed = super().process_request_params(params, accepted_extensions)
        return response, SmallUncompressed(agreed, self.min_bytes)


class DirectTextProtocol(WebSocketsSansIOProtocol):
    """uvicorn's protocol, offering the app's scope ``send_text_now``."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)  # the app's task is made, not yet run
        extensions: dict[str, object] = self.scope["extensions"]  # type: ignore[assignment]
        extensions[DIRECT_TEXT] = self.send_text_now

    def send_text_now(self, text: str) -> bool:
        """``text`` framed and written now, as ``send`` would; False when it cannot be
        at once (not open, closing, or the socket backed up), for ``send`` to do."""
        if not self.handshake_complete or self.close_sent or self.disconnected:
            return False
        if self.initial_response is not None or not self.writable.is_set():
            return False
        if self.transport.is_closing():
            return False
        try:
            self.conn.send_text(text.encode())
        except InvalidState:
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True


def websocket_protocol(min_bytes: int) -> type[asyncio.Protocol]:
    """uvicorn's WebSocket protocol, compressing only messages of ``min_bytes`` or more
    (0: every message, as uvicorn does) when compression is on."""

    class HubWebSocketProtocol(DirectTextProtocol):
        def __init__(
            self,
            config: Config,
            server_state: ServerState,
            app_state: dict[str, Any],
            _loop: asyncio.AbstractEventLoop | None = None,
        ) -> None:
            super().__init__(config, server_state, app_state, _loop)
            if config.ws_per_message_deflate:
                self.conn = ServerProtocol(
                    extensions=[_Factory(min_bytes)],
                    max_size=config.ws_max_size,
                    logger=logging.getLogger("uvicorn.error"),
                )

    return HubWebSocketProtocol
