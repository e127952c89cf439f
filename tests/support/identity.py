"""A stand-in for the city's identity provider: real keys, a real JWKS over HTTP.

Tokens are signed with locally generated RSA keys and verified by the hub against
the JWKS this serves on a loopback port, so the hub's validation runs for real.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.live import live_server

AUDIENCE = "grid-hub"


class IdentityProvider:
    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self.issuer = ""
        self.rotate()

    def rotate(self) -> str:
        """A new signing key, published beside the old ones; returns its kid."""
        kid = f"key-{len(self.keys) + 1}"
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid
        return kid

    def jwks(self) -> dict[str, Any]:
        entries = []
        for kid, key in self.keys.items():
            entry = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            entries.append({**entry, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": entries}

    def token(self, *, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        payload = {k: v for k, v in payload.items() if v is not None}
        signer = key or self.keys[self.kid]
        return jwt.encode(payload, signer, algorithm="RS256", headers={"kid": self.kid})

    def app(self) -> Starlette:
        async def jwks(_: Request) -> JSONResponse:
            self.fetches += 1
            return JSONResponse(self.jwks())

        return Starlette(routes=[Route("/jwks.json", jwks)])


@asynccontextmanager
async def identity_provider() -> AsyncIterator[IdentityProvider]:
    provider = IdentityProvider()
    async with live_server(provider.app()) as address:
        provider.issuer = f"http://{address}"
        yield provider


def issuer_settings(provider: IdentityProvider) -> dict[str, Any]:
    return {
        "issuer": provider.issuer,
        "audience": AUDIENCE,
        "jwks_url": f"{provider.issuer}/jwks.json",
        "algorithms": ["RS256"],
        "leeway_seconds": 0,
    }
