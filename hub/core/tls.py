"""The TLS context the hub's HTTP clients share.

Given none, httpx makes a context for each client and each transport, and loads the
root certificates into every one: each upstream system's transport and the identity
provider's client held one apiece, about 0.35 MiB each. SSL contexts are made to be
shared by many connections, so the hub makes one, as httpx would make it (certifi's
roots, or those ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` name), and gives it to each.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def client_tls() -> ssl.SSLContext:
    """The context every outgoing connection of this process verifies servers with."""
    return httpx.create_ssl_context()
